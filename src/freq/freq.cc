#include "freq/freq.h"

#include <charconv>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/progress.h"
#include "vcf/float_format.h"

namespace renkei {
namespace {

constexpr size_t kChunk = 4096;

void AppendU(uint64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// Per-ALT row fields shared by TSV and JSON.
struct Row {
  const VariantView* v;
  std::string_view alt;
  const SiteCounts* c;
  const AltCounts* a;  // nullptr for a site without ALT
};

void FormatTsvRow(const Row& r, std::string* out) {
  out->append(r.v->contig);
  out->push_back('\t');
  AppendU(r.v->pos, out);
  out->push_back('\t');
  out->append(r.v->id);
  out->push_back('\t');
  out->append(r.v->ref);
  out->push_back('\t');
  out->append(r.alt);
  out->push_back('\t');
  const uint32_t ac = r.a ? r.a->ac() : 0;
  AppendU(ac, out);
  out->push_back('\t');
  AppendU(r.c->an, out);
  out->push_back('\t');
  AppendAf(ac, r.c->an, out);
  for (uint32_t x : {r.a ? r.a->ac_hom : 0u, r.a ? r.a->ac_het : 0u, r.a ? r.a->ac_hemi : 0u,
                     r.c->ns, r.c->cohort_size}) {
    out->push_back('\t');
    AppendU(x, out);
  }
  out->push_back('\n');
}

void FormatJsonRow(const Row& r, bool first, std::string* out) {
  out->append(first ? "\n    {\"chrom\": " : ",\n    {\"chrom\": ");
  AppendJsonString(r.v->contig, out);
  out->append(", \"pos\": ");
  AppendU(r.v->pos, out);
  out->append(", \"id\": ");
  AppendJsonString(r.v->id, out);
  out->append(", \"ref\": ");
  AppendJsonString(r.v->ref, out);
  out->append(", \"alt\": ");
  AppendJsonString(r.alt, out);
  const uint32_t ac = r.a ? r.a->ac() : 0;
  out->append(", \"ac\": ");
  AppendU(ac, out);
  out->append(", \"an\": ");
  AppendU(r.c->an, out);
  out->append(", \"af\": ");
  if (r.c->an == 0) {
    out->append("null");
  } else {
    AppendAf(ac, r.c->an, out);
  }
  out->append(", \"ac_hom\": ");
  AppendU(r.a ? r.a->ac_hom : 0, out);
  out->append(", \"ac_het\": ");
  AppendU(r.a ? r.a->ac_het : 0, out);
  out->append(", \"ac_hemi\": ");
  AppendU(r.a ? r.a->ac_hemi : 0, out);
  out->append(", \"ns\": ");
  AppendU(r.c->ns, out);
  out->append("}");
}

void FormatVcfRecord(const VariantView& v, const SiteCounts& c, std::string* out) {
  out->append(v.contig);
  out->push_back('\t');
  AppendU(v.pos, out);
  out->push_back('\t');
  out->append(v.id);
  out->push_back('\t');
  out->append(v.ref);
  out->push_back('\t');
  out->append(v.alts);
  out->append("\t.\t.\tNS=");
  AppendU(c.ns, out);
  out->append(";AN=");
  AppendU(c.an, out);
  if (!c.alts.empty()) {
    auto list = [&](const char* tag, auto get) {
      out->append(tag);
      for (size_t i = 0; i < c.alts.size(); ++i) {
        if (i) out->push_back(',');
        get(c.alts[i]);
      }
    };
    list(";AF=", [&](const AltCounts& a) { AppendAf(a.ac(), c.an, out); });
    list(";AC=", [&](const AltCounts& a) { AppendU(a.ac(), out); });
    list(";AC_Het=", [&](const AltCounts& a) { AppendU(a.ac_het, out); });
    list(";AC_Hom=", [&](const AltCounts& a) { AppendU(a.ac_hom, out); });
    list(";AC_Hemi=", [&](const AltCounts& a) { AppendU(a.ac_hemi, out); });
  }
  out->push_back('\n');
}

class Formatter {
 public:
  explicit Formatter(const FreqRequest& req) : req_(req) {
    if (!req.mask.empty()) cohort_.emplace(req.mask, req.store->num_samples());
  }
  uint32_t cohort_size() const { return cohort_ ? cohort_->size() : req_.store->num_samples(); }

  // Formats selection entries [from, to) into `out`; counts rows.
  Status Format(const Selection& sel, size_t from, size_t to, bool first_json_row, std::string* out,
                uint64_t* rows) const {
    const GenotypeStore& store = *req_.store;
    const CountingMask* cohort = cohort_ ? &*cohort_ : nullptr;
    SiteCounts counts;
    bool first = first_json_row;
    for (size_t k = from; k < to; ++k) {
      size_t i = sel.explicit_sites ? sel.sites[k].index : sel.first + k;
      // -1 = every ALT (a plain value: GCC 12 misreads std::optional here as uninitialised).
      const int64_t only = sel.explicit_sites && sel.sites[k].only_alt
                               ? static_cast<int64_t>(*sel.sites[k].only_alt)
                               : -1;
      RETURN_IF_ERROR(store.Count(i, cohort, &counts));
      VariantView v = store.Variant(i);
      if (req_.format == FreqFormat::kVcf) {
        FormatVcfRecord(v, counts, out);
        ++*rows;
        continue;
      }
      auto emit = [&](const Row& r) {
        if (req_.format == FreqFormat::kTsv) {
          FormatTsvRow(r, out);
        } else {
          FormatJsonRow(r, first, out);
          first = false;
        }
        ++*rows;
      };
      if (v.n_alts == 0) {
        emit(Row{&v, ".", &counts, nullptr});
        continue;
      }
      std::string_view rest = v.alts;
      for (uint32_t a = 0; a < v.n_alts; ++a) {
        size_t comma = rest.find(',');
        std::string_view alt = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (only >= 0 && only != a) continue;
        emit(Row{&v, alt, &counts, &counts.alts[a]});
      }
    }
    return Status::Ok();
  }

 private:
  const FreqRequest& req_;
  std::optional<CountingMask> cohort_;
};

Status WriteAll(std::FILE* out, std::string_view s) {
  if (!s.empty() && std::fwrite(s.data(), 1, s.size(), out) != s.size()) {
    return Internal("cannot write output (disk full or closed pipe?)");
  }
  return Status::Ok();
}

std::string Header(const FreqRequest& req, uint32_t cohort_size) {
  std::string h;
  const GenotypeStore& store = *req.store;
  switch (req.format) {
    case FreqFormat::kTsv:
      h = "# renkei freq\tstore=" + store.dir() + "\tcohort=" + req.cohort_text +
          "\tcohort_size=" + std::to_string(cohort_size) + "\tvariants=" + req.selector.ToString() +
          "\n";
      h += "chrom\tpos\tid\tref\talt\tac\tan\taf\tac_hom\tac_het\tac_hemi\tns\tcohort_size\n";
      break;
    case FreqFormat::kJson:
      h = "{\n  \"store\": ";
      AppendJsonString(store.dir(), &h);
      h += ",\n  \"cohort\": ";
      AppendJsonString(req.cohort_text, &h);
      h += ",\n  \"cohort_size\": " + std::to_string(cohort_size) + ",\n  \"selection\": ";
      AppendJsonString(req.selector.ToString(), &h);
      h += ",\n  \"variants\": [";
      break;
    case FreqFormat::kVcf:
      h = "##fileformat=VCFv4.2\n##source=renkei freq\n";
      for (const auto& c : store.contigs()) {
        h += "##contig=<ID=" + c.name;
        if (c.length > 0) h += ",length=" + std::to_string(c.length);
        h += ">\n";
      }
      h += "##renkei_cohort=\"" + req.cohort_text + "\"\n";
      h += "##renkei_cohort_size=" + std::to_string(cohort_size) + "\n";
      h += "##INFO=<ID=NS,Number=1,Type=Integer,Description=\"Number of samples with data\">\n"
           "##INFO=<ID=AN,Number=1,Type=Integer,Description=\"Total number of alleles in called "
           "genotypes\">\n"
           "##INFO=<ID=AF,Number=A,Type=Float,Description=\"Allele frequency\">\n"
           "##INFO=<ID=AC,Number=A,Type=Integer,Description=\"Allele count in genotypes\">\n"
           "##INFO=<ID=AC_Het,Number=A,Type=Integer,Description=\"Allele counts in "
           "heterozygous genotypes\">\n"
           "##INFO=<ID=AC_Hom,Number=A,Type=Integer,Description=\"Allele counts in homozygous "
           "genotypes\">\n"
           "##INFO=<ID=AC_Hemi,Number=A,Type=Integer,Description=\"Allele counts in hemizygous "
           "genotypes\">\n"
           "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";
      break;
  }
  return h;
}

}  // namespace

Result<FreqFormat> ParseFreqFormat(std::string_view name) {
  if (name == "tsv") return FreqFormat::kTsv;
  if (name == "json") return FreqFormat::kJson;
  if (name == "vcf") return FreqFormat::kVcf;
  return InvalidArgument("unknown format '" + std::string(name) + "'; use tsv, json or vcf");
}

void AppendAf(uint32_t ac, uint32_t an, std::string* out) {
  if (an == 0) {
    out->push_back('.');
    return;
  }
  // bcftools computes AF in single precision.
  AppendVcfFloat(static_cast<float>(ac) / static_cast<float>(an), out);
}

Result<SiteCounts> CountCohort(const GenotypeStore& store, size_t variant,
                               const std::vector<uint64_t>& mask) {
  SiteCounts c;
  if (mask.empty()) {
    RETURN_IF_ERROR(store.Count(variant, nullptr, &c));
  } else {
    CountingMask cohort(mask, store.num_samples());
    RETURN_IF_ERROR(store.Count(variant, &cohort, &c));
  }
  return c;
}

Result<FreqSummary> RunFreq(const FreqRequest& req, std::FILE* out) {
  if (!req.mask.empty() && req.mask.size() != (req.store->num_samples() + 63u) / 64u) {
    return InvalidArgument("cohort mask does not match the store's sample count");
  }
  ASSIGN_OR_RETURN(Selection sel, Select(*req.store, req.selector));
  Formatter formatter(req);
  FreqSummary summary;
  summary.sites = sel.size();
  summary.cohort_size = formatter.cohort_size();
  RETURN_IF_ERROR(WriteAll(out, Header(req, summary.cohort_size)));

  // Workers format chunks of sites in any order; this thread writes them in order as they
  // complete, so writing overlaps counting. At most kWindow chunks wait in memory.
  const size_t n = sel.size();
  const size_t n_chunks = (n + kChunk - 1) / kChunk;
  const size_t threads =
      std::min(static_cast<size_t>(std::max(1, req.threads)), std::max<size_t>(1, n_chunks));
  const size_t window = 4 * threads;
  struct Slot {
    std::string text;
    uint64_t rows = 0;
    Status status;
    bool done = false;
  };
  std::vector<Slot> slots(window);
  std::mutex mu;
  std::condition_variable cv;
  size_t next_chunk = 0, written = 0;
  bool failed = false;
  auto worker = [&] {
    std::string text;
    while (true) {
      size_t c;
      {
        std::unique_lock lock(mu);
        cv.wait(lock,
                [&] { return failed || next_chunk >= n_chunks || next_chunk < written + window; });
        if (failed || next_chunk >= n_chunks) return;
        c = next_chunk++;
      }
      const size_t from = c * kChunk, to = std::min(n, from + kChunk);
      text.clear();
      uint64_t rows = 0;
      Status st = formatter.Format(sel, from, to, from == 0, &text, &rows);
      {
        std::lock_guard lock(mu);
        Slot& slot = slots[c % window];
        std::swap(slot.text, text);
        slot.rows = rows;
        slot.status = std::move(st);
        slot.done = true;
      }
      cv.notify_all();
    }
  };
  std::vector<std::jthread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  Progress progress("freq", n);
  Status result;
  std::string text;
  for (size_t c = 0; c < n_chunks && result.ok(); ++c) {
    uint64_t rows;
    {
      std::unique_lock lock(mu);
      Slot& slot = slots[c % window];
      cv.wait(lock, [&] { return slot.done; });
      std::swap(text, slot.text);
      rows = slot.rows;
      result = slot.status;
      slot.done = false;
    }
    if (result.ok()) result = WriteAll(out, text);
    summary.rows += rows;
    {
      std::lock_guard lock(mu);
      written = c + 1;
      if (!result.ok()) failed = true;
    }
    cv.notify_all();
    if (req.show_progress) progress.Update(std::min(n, (c + 1) * kChunk));
  }
  pool.clear();  // joins
  RETURN_IF_ERROR(result);
  if (req.show_progress) progress.Finish();
  if (req.format == FreqFormat::kJson) {
    RETURN_IF_ERROR(WriteAll(out, summary.rows ? "\n  ]\n}\n" : "]\n}\n"));
  }
  if (std::fflush(out) != 0) return Internal("cannot write output (disk full or closed pipe?)");
  return summary;
}

}  // namespace renkei
