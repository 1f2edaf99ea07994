#include "vcf/reader.h"

#include <htslib/hts.h>
#include <htslib/vcf.h>
#include <sys/stat.h>

namespace renkei {
namespace {

struct HtsFileCloser {
  void operator()(htsFile* f) const { hts_close(f); }
};
struct HeaderFree {
  void operator()(bcf_hdr_t* h) const { bcf_hdr_destroy(h); }
};
struct RecordFree {
  void operator()(bcf1_t* r) const { bcf_destroy(r); }
};

}  // namespace

struct VcfReader::Impl {
  std::unique_ptr<htsFile, HtsFileCloser> file;
  std::unique_ptr<bcf_hdr_t, HeaderFree> header;
  std::unique_ptr<bcf1_t, RecordFree> record;
  int32_t* gt_buf = nullptr;  // htslib-managed buffer for bcf_get_genotypes
  int gt_cap = 0;
  int64_t ordinal = 0;
  ~Impl() { free(gt_buf); }  // allocated by htslib with malloc/realloc
};

VcfReader::VcfReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VcfReader::VcfReader(VcfReader&&) noexcept = default;
VcfReader& VcfReader::operator=(VcfReader&&) noexcept = default;
VcfReader::~VcfReader() = default;

Result<VcfReader> VcfReader::Open(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return NotFound("no such file: " + path);
  auto impl = std::make_unique<Impl>();
  impl->file.reset(hts_open(path.c_str(), "r"));
  if (!impl->file) return InvalidArgument(path + ": cannot open as VCF/BCF");
  const htsFormat* fmt = hts_get_format(impl->file.get());
  if (fmt->category != variant_data) {
    return InvalidArgument(path + ": not a VCF or BCF file (detected " +
                           std::string(hts_format_file_extension(fmt)) + ")");
  }
  impl->header.reset(bcf_hdr_read(impl->file.get()));
  if (!impl->header) return InvalidArgument(path + ": malformed VCF header");
  impl->record.reset(bcf_init());
  hts_set_threads(impl->file.get(), 2);

  VcfReader reader(std::move(impl));
  reader.path_ = path;
  bcf_hdr_t* hdr = reader.impl_->header.get();
  for (int i = 0; i < bcf_hdr_nsamples(hdr); ++i) reader.samples_.emplace_back(hdr->samples[i]);
  for (int i = 0; i < hdr->n[BCF_DT_CTG]; ++i) {
    const bcf_idpair_t& p = hdr->id[BCF_DT_CTG][i];
    int64_t len = p.val && p.val->info[0] > 0 ? static_cast<int64_t>(p.val->info[0]) : 0;
    reader.contigs_.emplace_back(p.key, len);
  }
  return reader;
}

Result<bool> VcfReader::Next(VcfRecord* out) {
  Impl& im = *impl_;
  bcf_hdr_t* hdr = im.header.get();
  bcf1_t* rec = im.record.get();
  int rc = bcf_read(im.file.get(), hdr, rec);
  if (rc == -1) return false;
  ++im.ordinal;
  out->index = im.ordinal;
  auto where = [&]() {
    std::string s = path_ + ": record " + std::to_string(im.ordinal);
    if (rec->rid >= 0 && rec->rid < hdr->n[BCF_DT_CTG]) {
      s += " (" + std::string(bcf_hdr_id2name(hdr, rec->rid)) + ":" +
           std::to_string(rec->pos + 1) + ")";
    }
    return s;
  };
  if (rc < -1 || (rec->errcode & (BCF_ERR_CTG_INVALID | BCF_ERR_NCOLS | BCF_ERR_LIMITS |
                                  BCF_ERR_CHAR | BCF_ERR_TAG_INVALID))) {
    return InvalidArgument(where() + ": malformed record (htslib error code " +
                           std::to_string(rc < -1 ? rc : rec->errcode) + ")");
  }
  if (bcf_unpack(rec, BCF_UN_STR | BCF_UN_FMT) != 0) {
    return InvalidArgument(where() + ": cannot decode record");
  }
  out->contig = bcf_hdr_id2name(hdr, rec->rid);
  out->pos = rec->pos + 1;
  out->id = rec->d.id ? rec->d.id : ".";
  if (rec->n_allele < 1) return InvalidArgument(where() + ": no REF allele");
  out->ref = rec->d.allele[0];
  out->alts.clear();
  for (int i = 1; i < rec->n_allele; ++i) {
    if (std::string_view(rec->d.allele[i]) == ".") continue;
    out->alts.emplace_back(rec->d.allele[i]);
  }
  const int n_alleles = 1 + static_cast<int>(out->alts.size());

  const int n_samples = bcf_hdr_nsamples(hdr);
  int n = bcf_get_genotypes(hdr, rec, &im.gt_buf, &im.gt_cap);
  out->gt.clear();
  if (n <= 0 || n_samples == 0) {
    out->has_gt = false;
    out->max_ploidy = 0;
    return true;
  }
  out->has_gt = true;
  out->max_ploidy = n / n_samples;
  out->gt.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    int32_t v = im.gt_buf[i];
    int32_t a;
    if (v == bcf_int32_vector_end) {
      a = kAlleleEnd;
    } else if (bcf_gt_is_missing(v)) {
      a = kAlleleMissing;
    } else {
      a = bcf_gt_allele(v);
      if (a >= n_alleles) {
        return InvalidArgument(where() + ": sample " + hdr->samples[i / out->max_ploidy] +
                               " has allele index " + std::to_string(a) + " but the record has " +
                               std::to_string(n_alleles - 1) + " ALT allele(s)");
      }
    }
    out->gt[static_cast<size_t>(i)] = a;
  }
  return true;
}

}  // namespace renkei
