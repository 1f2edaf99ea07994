#include "vcf/bcf_writer.h"

#include <htslib/hts.h>
#include <htslib/vcf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_set>
#include <utility>

namespace renkei {

static_assert(GtAllele(0) == bcf_gt_unphased(0));
static_assert(GtAllele(3) == bcf_gt_unphased(3));
static_assert(GtAllele(1, true) == bcf_gt_phased(1));
static_assert(kGtMissing == bcf_gt_missing);
static_assert(kGtMissingPhased == (bcf_gt_missing | 1));
static_assert(kGtVectorEnd == bcf_int32_vector_end);

namespace {

struct HtsFileCloser {
  void operator()(htsFile* f) const {
    if (f != nullptr) hts_close(f);
  }
};
struct HeaderDeleter {
  void operator()(bcf_hdr_t* h) const {
    if (h != nullptr) bcf_hdr_destroy(h);
  }
};
struct RecordDeleter {
  void operator()(bcf1_t* r) const {
    if (r != nullptr) bcf_destroy(r);
  }
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A name that can appear in a VCF header/column without quoting problems.
bool IsValidName(std::string_view s) {
  if (s.empty()) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == '\t' || c == '\n' || c == '\r' || c == ' ' || c == ',' || c == '<' || c == '>' ||
           c == '=';
  });
}

bool IsValidAllele(std::string_view a) {
  if (a.empty()) return false;
  return std::none_of(a.begin(), a.end(), [](char c) {
    return c == '\t' || c == '\n' || c == '\r' || c == ' ' || c == ',';
  });
}

constexpr int kCsiMinShift = 14;  // the CSI default (16 kb bins), as bcftools index uses

// htslib before 1.19 records wrong virtual offsets when it indexes on the fly while compressing
// with threads (samtools/bcftools#1985, fixed by htslib commit 7994291); the index then sends
// region queries into the middle of a block. With such a version and threads, Close builds the
// index from the finished file instead.
bool OnTheFlyIndexWorksWithThreads() {
  int major = 0, minor = 0;
  if (std::sscanf(hts_version(), "%d.%d", &major, &minor) != 2) return false;
  return major > 1 || (major == 1 && minor >= 19);
}

Status OpenError(const std::string& path, int err) {
  std::string what = "cannot create " + path;
  if (err != 0) what += std::string(": ") + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return NotFound(std::move(what));
  if (err == EACCES || err == EPERM || err == EROFS) {
    return Status(StatusCode::kPermissionDenied, std::move(what));
  }
  return Internal(std::move(what));
}

}  // namespace

struct BcfWriter::Impl {
  std::string path;
  std::string index_path;          // must outlive the file handle (htslib keeps the pointer)
  bool indexing = false;           // on the fly, saved by Close
  bool index_after_close = false;  // built by re-reading the file in Close
  int index_threads = 0;
  bool closed = false;
  std::unique_ptr<htsFile, HtsFileCloser> file;
  std::unique_ptr<bcf_hdr_t, HeaderDeleter> header;
  std::unique_ptr<bcf1_t, RecordDeleter> record;
  int32_t last_contig = -1;
  int64_t last_pos = 0;
  std::vector<bool> contig_done;
  std::string alleles;  // reusable "REF,ALT1,..." buffer
  std::string id;       // reusable NUL-terminated ID buffer
  int gt_key = -1;      // header dictionary id of FORMAT/GT
  bool binary = false;  // BCF output (records are written from their BCF blocks)
};

BcfWriter::BcfWriter(std::unique_ptr<Impl> impl, size_t sample_count)
    : impl_(std::move(impl)), sample_count_(sample_count) {}
BcfWriter::BcfWriter(BcfWriter&&) noexcept = default;
BcfWriter& BcfWriter::operator=(BcfWriter&& other) noexcept {
  if (this != &other) {
    if (impl_ != nullptr && !impl_->closed) (void)Close();
    impl_ = std::move(other.impl_);
    sample_count_ = other.sample_count_;
    records_written_ = other.records_written_;
  }
  return *this;
}
BcfWriter::~BcfWriter() {
  if (impl_ != nullptr && !impl_->closed) (void)Close();
}

Result<BcfWriter> BcfWriter::Open(const std::string& path, std::span<const std::string> samples,
                                  std::span<const VcfContig> contigs,
                                  const WriterOptions& options) {
  VcfFormat format = options.format;
  if (format == VcfFormat::kAuto) {
    if (EndsWith(path, ".bcf")) {
      format = VcfFormat::kBcf;
    } else if (EndsWith(path, ".vcf.gz") || EndsWith(path, ".vcf.bgz")) {
      format = VcfFormat::kVcfGz;
    } else if (EndsWith(path, ".vcf")) {
      format = VcfFormat::kVcf;
    } else {
      return InvalidArgument("cannot tell the output format of " + path +
                             " (expected .bcf, .vcf.gz or .vcf)");
    }
  }
  if (options.compression_level < 0 || options.compression_level > 9) {
    return InvalidArgument("compression level must be 0-9, got " +
                           std::to_string(options.compression_level));
  }
  if (samples.empty()) return InvalidArgument("no samples to write");
  if (samples.size() >= (size_t{1} << 24)) return InvalidArgument("BCF allows < 2^24 samples");
  if (contigs.empty()) return InvalidArgument("no contigs to write");
  {
    std::unordered_set<std::string_view> seen;
    seen.reserve(samples.size());
    for (const std::string& s : samples) {
      if (s.empty() || s.find_first_of("\t\n\r") != std::string::npos) {
        return InvalidArgument("invalid sample name '" + s + "'");
      }
      if (!seen.insert(s).second) return InvalidArgument("duplicate sample name " + s);
    }
    seen.clear();
    for (const VcfContig& c : contigs) {
      if (!IsValidName(c.name)) return InvalidArgument("invalid contig name '" + c.name + "'");
      if (c.length < 0) return InvalidArgument("negative length for contig " + c.name);
      if (!seen.insert(c.name).second) return InvalidArgument("duplicate contig " + c.name);
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->binary = format == VcfFormat::kBcf;
  std::string mode;
  switch (format) {
    case VcfFormat::kBcf:
      mode = "wb" + std::to_string(options.compression_level);
      break;
    case VcfFormat::kVcfGz:
      mode = "wz" + std::to_string(options.compression_level);
      break;
    case VcfFormat::kVcf:
    case VcfFormat::kAuto:
      mode = "w";
      break;
  }
  errno = 0;
  impl->file.reset(hts_open(path.c_str(), mode.c_str()));
  if (impl->file == nullptr) return OpenError(path, errno);
  if (options.threads > 0 && format != VcfFormat::kVcf) {
    if (hts_set_threads(impl->file.get(), options.threads) != 0) {
      return Internal("cannot start " + std::to_string(options.threads) +
                      " compression threads for " + path);
    }
  }

  impl->header.reset(bcf_hdr_init("w"));
  if (impl->header == nullptr) return Internal("bcf_hdr_init failed");
  bcf_hdr_t* hdr = impl->header.get();
  std::vector<std::string> lines;
  if (!options.source.empty()) lines.push_back("##source=" + options.source);
  for (const VcfContig& c : contigs) {
    std::string line = "##contig=<ID=" + c.name;
    if (c.length > 0) line += ",length=" + std::to_string(c.length);
    line += ">";
    lines.push_back(std::move(line));
  }
  lines.push_back("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">");
  for (const std::string& extra : options.extra_header_lines) {
    if (extra.size() < 3 || extra.compare(0, 2, "##") != 0 ||
        extra.find_first_of("\n\r") != std::string::npos) {
      return InvalidArgument("invalid extra header line '" + extra + "'");
    }
    lines.push_back(extra);
  }
  for (const std::string& line : lines) {
    if (bcf_hdr_append(hdr, line.c_str()) != 0) {
      return InvalidArgument("htslib rejected header line " + line);
    }
  }
  for (const std::string& s : samples) {
    if (bcf_hdr_add_sample(hdr, s.c_str()) != 0) {
      return InvalidArgument("htslib rejected sample name " + s);
    }
  }
  if (bcf_hdr_sync(hdr) != 0) return Internal("bcf_hdr_sync failed");
  impl->gt_key = bcf_hdr_id2int(hdr, BCF_DT_ID, "GT");
  if (impl->gt_key < 0) return Internal("FORMAT/GT missing from the header");
  if (bcf_hdr_write(impl->file.get(), hdr) != 0) {
    return Internal("cannot write the header of " + path);
  }
  if (options.build_index && format != VcfFormat::kVcf) {
    impl->index_path = options.index_path.empty() ? path + ".csi" : options.index_path;
    impl->index_threads = options.threads;
    if (options.threads > 0 && !OnTheFlyIndexWorksWithThreads()) {
      impl->index_after_close = true;
    } else {
      if (bcf_idx_init(impl->file.get(), hdr, kCsiMinShift, impl->index_path.c_str()) != 0) {
        return Internal("cannot start the index for " + path);
      }
      impl->indexing = true;
    }
  }
  impl->record.reset(bcf_init());
  if (impl->record == nullptr) return Internal("bcf_init failed");
  impl->contig_done.assign(contigs.size(), false);
  return BcfWriter(std::move(impl), samples.size());
}

Status BcfWriter::Write(const VariantSite& site, std::span<const int32_t> gt) {
  if (impl_ == nullptr || impl_->closed) return FailedPrecondition("write to a closed writer");
  Impl& w = *impl_;
  if (site.contig < 0 || static_cast<size_t>(site.contig) >= w.contig_done.size()) {
    return InvalidArgument("contig index " + std::to_string(site.contig) + " out of range");
  }
  if (site.pos < 1 || site.pos > (int64_t{1} << 31) - 1) {
    return InvalidArgument("position " + std::to_string(site.pos) + " out of range");
  }
  if (site.contig != w.last_contig) {
    if (w.contig_done[site.contig]) {
      return FailedPrecondition("records of contig " + std::to_string(site.contig) +
                                " are not contiguous");
    }
    if (w.last_contig >= 0) w.contig_done[w.last_contig] = true;
    w.last_contig = site.contig;
    w.last_pos = 0;
  } else if (site.pos < w.last_pos) {
    return FailedPrecondition("position " + std::to_string(site.pos) + " after " +
                              std::to_string(w.last_pos) + ": records not sorted");
  }
  const size_t n_alleles = 1 + site.alts.size();
  if (n_alleles > static_cast<size_t>(kMaxAlleles)) {
    return InvalidArgument("too many alleles at position " + std::to_string(site.pos));
  }
  if (!IsValidAllele(site.ref)) {
    return InvalidArgument("invalid REF at position " + std::to_string(site.pos));
  }
  w.alleles.assign(site.ref);
  for (std::string_view alt : site.alts) {
    if (!IsValidAllele(alt)) {
      return InvalidArgument("invalid ALT at position " + std::to_string(site.pos));
    }
    w.alleles.push_back(',');
    w.alleles.append(alt);
  }
  if (gt.empty() || gt.size() % sample_count_ != 0) {
    return InvalidArgument("genotype array of " + std::to_string(gt.size()) + " codes for " +
                           std::to_string(sample_count_) + " samples");
  }
  if (gt.size() > static_cast<size_t>(INT32_MAX)) return InvalidArgument("genotype array too big");
  bcf_hdr_t* hdr = w.header.get();
  bcf1_t* rec = w.record.get();
  bcf_clear(rec);
  rec->rid = site.contig;
  rec->pos = site.pos - 1;
  if (bcf_update_alleles_str(hdr, rec, w.alleles.c_str()) != 0) {
    return Internal("cannot set alleles at position " + std::to_string(site.pos));
  }
  // Always set the ID: bcf_clear leaves the previous record's ID behind for VCF output.
  w.id.assign(site.id.empty() ? std::string_view(".") : site.id);
  if (bcf_update_id(hdr, rec, w.id.c_str()) != 0) {
    return Internal("cannot set ID at position " + std::to_string(site.pos));
  }
  RETURN_IF_ERROR(EncodeGenotypes(site.pos, static_cast<int>(n_alleles), gt));
  if (bcf_write(w.file.get(), hdr, rec) != 0) {
    return Internal("cannot write " + w.path + " (disk full?) at record " +
                    std::to_string(records_written_ + 1));
  }
  w.last_pos = site.pos;
  ++records_written_;
  return Status::Ok();
}

// Encodes GT straight into the record's FORMAT block as BCF int8 (what bcf_update_genotypes
// would produce) in one vectorisable pass that also validates the codes; bcf_update_genotypes'
// generic encoder was the largest single cost when simulating. Falls back to it for codes that
// need more than 8 bits (allele indices above 62), and for VCF text, whose writer formats from
// the unpacked record rather than from the BCF blocks.
Status BcfWriter::EncodeGenotypes(int64_t pos, int n_alleles, std::span<const int32_t> gt) {
  Impl& w = *impl_;
  bcf1_t* rec = w.record.get();
  kstring_t* s = &rec->indiv;
  s->l = 0;
  const auto ploidy = static_cast<int>(gt.size() / sample_count_);
  if (bcf_enc_int1(s, w.gt_key) != 0 || bcf_enc_size(s, ploidy, BCF_BT_INT8) != 0 ||
      ks_resize(s, s->l + gt.size()) != 0) {
    return Internal("out of memory encoding genotypes");
  }
  auto* out = reinterpret_cast<int8_t*>(s->s + s->l);
  int32_t max_code = 0;
  int32_t min_code = 0;  // ignoring vector-end padding
  const int32_t* in = gt.data();
  const size_t n = gt.size();
  for (size_t i = 0; i < n; ++i) {
    const int32_t v = in[i];
    const bool end = v == kGtVectorEnd;
    out[i] = end ? static_cast<int8_t>(bcf_int8_vector_end) : static_cast<int8_t>(v);
    max_code = std::max(max_code, v);
    min_code = std::min(min_code, end ? 0 : v);
  }
  if (min_code < 0 || max_code > GtAllele(n_alleles - 1, true)) {
    s->l = 0;
    return InvalidArgument("genotype code out of range at position " + std::to_string(pos));
  }
  if (max_code <= INT8_MAX && w.binary) {
    s->l += n;
    rec->n_fmt = 1;
    rec->n_sample = static_cast<uint32_t>(sample_count_) & 0xFFFFFFu;  // < 2^24, checked by Open
    return Status::Ok();
  }
  s->l = 0;
  if (bcf_update_genotypes(w.header.get(), rec, gt.data(), static_cast<int>(n)) != 0) {
    return Internal("cannot set genotypes at position " + std::to_string(pos));
  }
  return Status::Ok();
}

Status BcfWriter::Close() {
  if (impl_ == nullptr || impl_->closed) return Status::Ok();
  Impl& w = *impl_;
  w.closed = true;
  Status status;
  if (w.indexing && bcf_idx_save(w.file.get()) != 0) {
    status = Internal("cannot write the index " + w.index_path);
  }
  if (hts_close(w.file.release()) != 0 && status.ok()) {
    status = Internal("cannot finish " + w.path + " (disk full?)");
  }
  if (status.ok() && w.index_after_close &&
      bcf_index_build3(w.path.c_str(), w.index_path.c_str(), kCsiMinShift, w.index_threads) != 0) {
    status = Internal("cannot build the index " + w.index_path);
  }
  w.record.reset();
  w.header.reset();
  return status;
}

}  // namespace renkei
