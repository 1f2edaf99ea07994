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
  int64_t ordinal = 0;
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
      s += " (" + std::string(bcf_hdr_id2name(hdr, rec->rid)) + ":" + std::to_string(rec->pos + 1) +
           ")";
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
  out->gt.clear();
  bcf_fmt_t* fmt = n_samples > 0 ? bcf_get_fmt(hdr, rec, "GT") : nullptr;
  if (fmt == nullptr || fmt->n <= 0) {
    out->has_gt = false;
    out->max_ploidy = 0;
    return true;
  }
  out->has_gt = true;
  out->max_ploidy = fmt->n;
  out->gt.resize(static_cast<size_t>(n_samples) * static_cast<size_t>(fmt->n));
  // Decode the BCF-encoded GT values straight from htslib's buffer (bcf_get_genotypes would
  // widen them to int32 first): value = (allele + 1) << 1 | phased, 0 = missing.
  int32_t bad = -1;
  auto decode = [&](auto* values, int32_t vector_end) {
    const size_t total = out->gt.size();
    int32_t* dst = out->gt.data();
    for (size_t k = 0; k < total; ++k) {
      int32_t v = values[k];
      int32_t a = v == vector_end ? kAlleleEnd : (v >> 1) - 1;
      if (a >= n_alleles) bad = static_cast<int32_t>(k);
      dst[k] = a < kAlleleEnd ? kAlleleMissing : a;
    }
  };
  switch (fmt->type) {
    case BCF_BT_INT8:
      decode(reinterpret_cast<const int8_t*>(fmt->p), bcf_int8_vector_end);
      break;
    case BCF_BT_INT16:
      decode(reinterpret_cast<const int16_t*>(fmt->p), bcf_int16_vector_end);
      break;
    case BCF_BT_INT32:
      decode(reinterpret_cast<const int32_t*>(fmt->p), bcf_int32_vector_end);
      break;
    default:
      return InvalidArgument(where() + ": GT is not an integer field");
  }
  if (bad >= 0) {
    const auto k = static_cast<size_t>(bad);
    return InvalidArgument(where() + ": sample " + hdr->samples[k / static_cast<size_t>(fmt->n)] +
                           " has allele index " + std::to_string(out->gt[k]) +
                           " but the record has " + std::to_string(n_alleles - 1) +
                           " ALT allele(s)");
  }
  return true;
}

}  // namespace renkei
