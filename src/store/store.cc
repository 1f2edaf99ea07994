#include "store/store.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "cohort/text_util.h"
#include "store/genotype_codec.h"
#include "store/strata_codec.h"
#include "store/varint.h"
#include "store/zstd_block.h"

namespace renkei {
namespace {

Result<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return DataLoss("missing " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Calls fn(fields) for each data line of a TSV with a header; false from fn stops.
template <typename Fn>
Status ForEachRow(const std::string& path, std::string_view text, size_t n_fields, Fn fn) {
  std::string_view rest = text;
  bool header = true;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    auto fields = text::Split(line, '\t');
    if (fields.size() != n_fields) return DataLoss(path + ": malformed row");
    if (!fn(fields)) return DataLoss(path + ": malformed row");
  }
  return Status::Ok();
}

bool ParseU64(std::string_view s, uint64_t* v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string_view VariantView::Alt(size_t i) const {
  std::string_view rest = alts;
  for (size_t k = 0; k < i; ++k) rest = rest.substr(rest.find(',') + 1);
  return rest.substr(0, rest.find(','));
}

Result<GenotypeStore> GenotypeStore::Open(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("no store at " + dir);
  if (!fs::exists(dir + "/meta.json", ec)) {
    return NotFound(dir + " is not a renkei store (no meta.json); create one with renkei ingest");
  }
  GenotypeStore s;
  s.dir_ = dir;
  ASSIGN_OR_RETURN(std::string meta_text, ReadSmallFile(dir + "/meta.json"));
  // Read meta.json into plain values; nlohmann-json throws on wrongly typed fields.
  struct Meta {
    int version = 0;
    size_t variants = 0, samples = 0;
    std::map<std::string, uint64_t> files;
  } meta;
  try {
    nlohmann::json j = nlohmann::json::parse(meta_text);
    if (!j.is_object() || j.value("format", "") != "renkei-store") throw std::runtime_error("");
    meta.version = j.value("version", 0);
    meta.variants = j.at("variants").get<size_t>();
    meta.samples = j.at("samples").get<size_t>();
    for (const auto& [name, size] : j.at("files").items()) meta.files[name] = size.get<uint64_t>();
  } catch (const std::exception&) {
    return DataLoss(dir + "/meta.json is not a valid renkei store description");
  }
  if (meta.version != kStoreFormatVersion) {
    return FailedPrecondition(dir + ": store format version " + std::to_string(meta.version) +
                              ", this renkei reads " + std::to_string(kStoreFormatVersion) +
                              "; re-ingest");
  }
  s.num_variants_ = meta.variants;
  auto check_size = [&](const std::string& name, uint64_t size) -> Status {
    auto it = meta.files.find(name);
    const uint64_t expected = it == meta.files.end() ? ~uint64_t{0} : it->second;
    if (size != expected) {
      return DataLoss(dir + "/" + name + " has " + std::to_string(size) +
                      " bytes, meta.json says " + std::to_string(expected) +
                      " (truncated or modified store)");
    }
    return Status::Ok();
  };
  auto read_text = [&](const std::string& name) -> Result<std::string> {
    ASSIGN_OR_RETURN(std::string text, ReadSmallFile(dir + "/" + name));
    RETURN_IF_ERROR(check_size(name, text.size()));
    return text;
  };

  {
    ASSIGN_OR_RETURN(std::string zst, read_text("samples.tsv.zst"));
    std::vector<uint8_t> tsv;
    Status st =
        DecompressBlock(std::span(reinterpret_cast<const uint8_t*>(zst.data()), zst.size()), &tsv);
    if (!st.ok()) return DataLoss(dir + "/samples.tsv.zst: " + st.message());
    auto table = SampleTable::ParseTsv(
        std::string_view(reinterpret_cast<const char*>(tsv.data()), tsv.size()),
        dir + "/samples.tsv.zst");
    if (!table.ok()) return DataLoss(table.status().message());
    s.samples_ = std::move(table).value();
  }
  if (s.samples_.size() != meta.samples) {
    return DataLoss(dir + "/samples.tsv.zst does not match meta.json");
  }
  const auto n_samples = static_cast<uint32_t>(s.samples_.size());

  struct Mapping {
    const char* name;
    MappedFile* file;
  };
  for (auto [name, file] :
       {Mapping{"variants.bin", &s.variants_bin_}, Mapping{"genotypes.bin", &s.genotypes_},
        Mapping{"strata.bin", &s.strata_bin_}, Mapping{"strata.idx", &s.strata_idx_}}) {
    auto mapped = MappedFile::Open(dir + "/" + name);
    if (!mapped.ok()) return DataLoss(dir + ": " + mapped.status().message());
    *file = std::move(mapped).value();
    RETURN_IF_ERROR(check_size(name, file->size()));
  }
  // Divided rather than multiplied: a corrupt variant count must not wrap into a match.
  if (s.variants_bin_.size() % sizeof(VariantEntry) != 0 ||
      s.variants_bin_.size() / sizeof(VariantEntry) != s.num_variants_) {
    return DataLoss(dir + "/variants.bin does not match the variant count");
  }

  ASSIGN_OR_RETURN(std::string contigs_text, read_text("contigs.tsv"));
  RETURN_IF_ERROR(ForEachRow(dir + "/contigs.tsv", contigs_text, 4, [&](const auto& f) {
    uint64_t len, first, end;
    if (!ParseU64(f[1], &len) || !ParseU64(f[2], &first) || !ParseU64(f[3], &end)) return false;
    // The ranges must tile the variants: a variant's contig is found from them.
    const uint64_t expected_first = s.contigs_.empty() ? 0 : s.contigs_.back().end;
    if (first != expected_first || first > end || end > s.num_variants_) return false;
    s.contigs_.push_back({std::string(f[0]), static_cast<int64_t>(len), first, end});
    return true;
  }));
  if ((s.contigs_.empty() ? 0 : s.contigs_.back().end) != s.num_variants_) {
    return DataLoss(dir + "/contigs.tsv does not cover every variant");
  }

  ASSIGN_OR_RETURN(std::string strata_text, read_text("strata.tsv"));
  std::vector<StratumDef> defs;
  std::vector<uint32_t> sizes;
  std::vector<std::string> sources;
  RETURN_IF_ERROR(ForEachRow(dir + "/strata.tsv", strata_text, 4, [&](const auto& f) {
    uint64_t size;
    if (!ParseU64(f[2], &size) || size > n_samples) return false;
    defs.push_back({std::string(f[0]), std::string(f[1])});
    sizes.push_back(static_cast<uint32_t>(size));
    sources.emplace_back(f[3]);
    return true;
  }));
  {
    std::vector<std::string_view> views(sources.begin(), sources.end());
    auto plan = StrataPlan::Parse(defs, sizes, views, n_samples);
    if (!plan.ok()) return DataLoss(dir + "/strata.tsv: " + plan.status().message());
    s.plan_ = std::move(plan).value();
  }
  for (size_t i = 0; i < defs.size(); ++i) s.strata_.push_back({defs[i], sizes[i]});
  for (uint32_t k : s.plan_.stored()) s.stored_sizes_.push_back(sizes[k]);

  const size_t n_blocks = (s.num_variants_ + kStrataBlock - 1) / kStrataBlock;
  if (s.strata_idx_.size() != (n_blocks + 1) * sizeof(uint64_t)) {
    return DataLoss(dir + "/strata.idx does not match the variant count");
  }
  // Records must follow each other, so that each variant's record is [its offset, the next);
  // the ALT count is bounded by the record, whose text holds at least two bytes per ALT, so a
  // corrupt count cannot make readers allocate without limit.
  for (size_t i = 0; i < s.num_variants_; ++i) {
    const VariantEntry& e = s.Entry(i);
    const uint64_t end = i + 1 < s.num_variants_ ? s.Entry(i + 1).geno_offset : s.genotypes_.size();
    if (e.geno_offset > end || end > s.genotypes_.size() ||
        2 * uint64_t{e.n_alts} > end - e.geno_offset) {
      return DataLoss(dir + "/variants.bin entry " + std::to_string(i) + " is out of range");
    }
  }
  return s;
}

const VariantEntry& GenotypeStore::Entry(size_t i) const {
  return reinterpret_cast<const VariantEntry*>(variants_bin_.data())[i];
}

// Inlined into Count for the same reason as the site header readers (genotype_codec.cc).
[[gnu::always_inline]] inline std::span<const uint8_t> GenotypeStore::Record(size_t i) const {
  const uint64_t begin = Entry(i).geno_offset;
  const uint64_t end = i + 1 < num_variants_ ? Entry(i + 1).geno_offset : genotypes_.size();
  return genotypes_.bytes().subspan(begin, end - begin);  // Open checked begin <= end <= size
}

[[gnu::always_inline]] inline bool GenotypeStore::SplitRecord(std::span<const uint8_t> record,
                                                              std::string_view* text,
                                                              std::span<const uint8_t>* site) {
  const uint8_t* p = record.data();
  const uint8_t* end = p + record.size();
  uint64_t length;
  if (!GetVarint(&p, end, &length) || length > static_cast<uint64_t>(end - p)) return false;
  *text = std::string_view(reinterpret_cast<const char*>(p), length);
  *site = std::span<const uint8_t>(p + length, end);
  return true;
}

VariantView GenotypeStore::Variant(size_t i) const {
  const VariantEntry& e = Entry(i);
  VariantView v;
  // The contig whose range holds i: the last one starting at or before it.
  auto it = std::upper_bound(contigs_.begin(), contigs_.end(), i,
                             [](size_t k, const ContigInfo& c) { return k < c.first; });
  v.contig = std::prev(it)->name;
  v.pos = e.pos;
  v.n_alts = e.n_alts;
  std::string_view text;
  std::span<const uint8_t> site;
  if (!SplitRecord(Record(i), &text, &site)) return v;
  const size_t t1 = text.find('\t');
  const size_t t2 = t1 == std::string_view::npos ? t1 : text.find('\t', t1 + 1);
  if (t2 == std::string_view::npos) return v;
  v.id = text.substr(0, t1);
  v.ref = text.substr(t1 + 1, t2 - t1 - 1);
  v.alts = text.substr(t2 + 1);
  return v;
}

Result<std::pair<size_t, size_t>> GenotypeStore::FindRegion(std::string_view contig, int64_t start,
                                                            int64_t end_pos) const {
  auto it = std::find_if(contigs_.begin(), contigs_.end(),
                         [&](const ContigInfo& c) { return c.name == contig; });
  if (it == contigs_.end()) {
    std::string known;
    for (size_t i = 0; i < contigs_.size() && i < 5; ++i)
      known += (i ? ", " : "") + contigs_[i].name;
    if (contigs_.size() > 5) known += ", …";
    return NotFound("the store has no contig '" + std::string(contig) + "' (it has " +
                    (known.empty() ? "none" : known) + ")");
  }
  const auto* entries = reinterpret_cast<const VariantEntry*>(variants_bin_.data());
  auto lo = std::lower_bound(entries + it->first, entries + it->end, start,
                             [](const VariantEntry& e, int64_t p) { return e.pos < p; });
  auto hi = std::upper_bound(lo, entries + it->end, end_pos,
                             [](int64_t p, const VariantEntry& e) { return p < e.pos; });
  return std::make_pair(static_cast<size_t>(lo - entries), static_cast<size_t>(hi - entries));
}

Status GenotypeStore::Count(size_t i, const CountingMask* cohort, SiteCounts* out) const {
  std::string_view text;
  std::span<const uint8_t> site;
  out->Reset(Entry(i).n_alts);
  if (!SplitRecord(Record(i), &text, &site) ||
      CountSite(site.data(), site.size(), cohort, num_samples(), out) != site.size()) {
    return DataLoss(dir_ + "/genotypes.bin: corrupt site at variant " + std::to_string(i));
  }
  return Status::Ok();
}

Result<std::span<const uint8_t>> GenotypeStore::EncodedSite(size_t i) const {
  std::string_view text;
  std::span<const uint8_t> site;
  if (!SplitRecord(Record(i), &text, &site)) {
    return DataLoss(dir_ + "/genotypes.bin: corrupt record at variant " + std::to_string(i));
  }
  return site;
}

Status GenotypeStore::StrataCounts(size_t i, std::vector<SiteCounts>* out) const {
  // The all-samples counts: what the strata are predicted from, and what rest strata are
  // derived from.
  SiteCounts total;
  RETURN_IF_ERROR(Count(i, nullptr, &total));
  const auto* offsets = reinterpret_cast<const uint64_t*>(strata_idx_.data());
  const size_t block = i / kStrataBlock;
  const uint64_t from = offsets[block], to = offsets[block + 1];
  if (from > to || to > strata_bin_.size()) return DataLoss(dir_ + "/strata.idx is corrupt");
  thread_local std::vector<uint8_t> raw;
  thread_local std::vector<uint32_t> n_alts;
  thread_local std::vector<SiteCounts> stored;
  RETURN_IF_ERROR(DecompressBlock(strata_bin_.bytes().subspan(from, to - from), &raw));
  const size_t first = block * kStrataBlock;
  const size_t last = std::min(num_variants_, first + kStrataBlock);
  n_alts.clear();
  for (size_t v = first; v < last; ++v) n_alts.push_back(Entry(v).n_alts);
  auto corrupt = [&] {
    return DataLoss(dir_ + "/strata.bin is corrupt in the block of variant " + std::to_string(i));
  };
  if (!DecodeStrataBlock(raw, stored_sizes_, num_samples(), n_alts, i - first, total, &stored)) {
    return corrupt();
  }
  out->resize(plan_.size());
  for (size_t k = 0; k < stored.size(); ++k) (*out)[plan_.stored()[k]] = stored[k];
  if (!plan_.Derive(total, out)) return corrupt();
  return Status::Ok();
}

}  // namespace renkei
