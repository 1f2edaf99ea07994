#include "store/genotype_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <tuple>

#include "store/varint.h"
#include "vcf/reader.h"

namespace renkei {
namespace {

struct ClassKey {
  GenotypeKind kind;
  uint32_t a, b;
  bool operator==(const ClassKey&) const = default;
};

struct ClassSamples {
  ClassKey key;
  std::vector<uint32_t> samples;
};

size_t WordsFor(uint32_t n_samples) { return (n_samples + 63u) / 64u; }

constexpr uint8_t kEncVarintList = 0;
constexpr uint8_t kEncBitmap = 1;
constexpr uint8_t kEncSkipBytes = 2;
// A skip-byte list with 0 bytes (gaps over 255), whose number follows; most lists have none.
constexpr uint8_t kEncSkipBytesWithZeros = 3;
// A site has at most one class per genotype; the bound only stops a corrupt count from
// allocating without limit.
constexpr uint64_t kMaxClasses = 4096;
constexpr uint64_t kSmallClasses = 64;

// Counts the samples of a skip-byte list that are in the cohort. Returns false if the list is
// corrupt (an index beyond n_samples, or a sample count other than `count`). Bounds are checked
// once per chunk, not per entry: the cohort's byte array is padded far enough past the last
// sample for any chunk to stay inside it.
bool CountSkipBytes(const uint8_t* p, const uint8_t* end, const CountingMask& mask, uint64_t count,
                    uint32_t* k) {
  const uint8_t* in = mask.bytes();
  const uint64_t n = mask.n_samples();
  const uint8_t* const begin = p;
  uint64_t idx = ~uint64_t{0};
  uint64_t hits = 0, entries = 0, skips = 0;
  while (p < end) {
    if (idx + 1 > n) return false;  // idx + 1 wraps to 0 before the first entry
    const uint8_t* chunk_end = p + std::min<ptrdiff_t>(end - p, CountingMask::kChunk);
    for (; p < chunk_end; ++p) {
      const uint64_t b = *p;
      if (b == 0) [[unlikely]] {  // the encoder picks skip bytes only where zeros are rare
        idx += 255;
        ++skips;
        continue;
      }
      idx += b;
      hits += in[idx];
    }
  }
  entries = static_cast<uint64_t>(end - begin) - skips;
  if (entries != count || (count > 0 && idx >= n)) return false;
  *k = static_cast<uint32_t>(hits);
  return true;
}

// Adds the contribution of `k` samples of class (kind, a, b). False if an allele is out of range.
inline bool AddClass(GenotypeKind kind, uint32_t a, uint32_t b, uint32_t k, SiteCounts* c) {
  if (k == 0 || kind == GenotypeKind::kMissing) return true;
  const size_t n_alts = c->alts.size();
  c->ns += k;
  switch (kind) {
    case GenotypeKind::kHemi:
      c->an += k;
      if (a > 0) {
        if (a > n_alts) return false;
        c->alts[a - 1].ac_hemi += k;
      }
      break;
    case GenotypeKind::kHom:
      c->an += 2 * k;
      if (a > 0) {
        if (a > n_alts) return false;
        c->alts[a - 1].ac_hom += 2 * k;
      }
      break;
    case GenotypeKind::kHet:
      c->an += 2 * k;
      if (a > n_alts || b > n_alts) return false;
      if (a > 0) c->alts[a - 1].ac_het += k;
      if (b > 0) c->alts[b - 1].ac_het += k;
      break;
    case GenotypeKind::kMissing:
      break;
  }
  return true;
}

// Writes the classes with classes[implicit] first (its sample list is not stored).
void EncodeClasses(std::span<ClassSamples> classes, size_t implicit, uint32_t n_samples,
                   std::vector<uint8_t>* out) {
  std::swap(classes[0], classes[implicit]);
  bool packed = true;
  for (const auto& c : classes) packed = packed && c.key.a < 8 && c.key.b < 8;
  PutVarint(classes.size() << 1 | (packed ? 1u : 0u), out);
  for (const auto& c : classes) {
    if (packed) {
      out->push_back(
          static_cast<uint8_t>(static_cast<uint32_t>(c.key.kind) << 6 | c.key.a << 3 | c.key.b));
    } else {
      out->push_back(static_cast<uint8_t>(c.key.kind));
      PutVarint(c.key.a, out);
      PutVarint(c.key.b, out);
    }
  }
  const size_t dense_bytes = WordsFor(n_samples) * 8;
  thread_local std::vector<uint8_t> list, skip;
  for (size_t i = 1; i < classes.size(); ++i) {
    const auto& s = classes[i].samples;
    list.clear();
    uint32_t prev = 0;
    for (uint32_t idx : s) {
      PutVarint(idx - prev, &list);
      prev = idx;
    }
    skip.clear();
    uint64_t zeros = 0;
    int64_t last = -1;
    for (uint32_t idx : s) {
      int64_t gap = static_cast<int64_t>(idx) - last;
      for (; gap > 255; gap -= 255, ++zeros) skip.push_back(0);
      skip.push_back(static_cast<uint8_t>(gap));
      last = idx;
    }
    const size_t skip_cost = skip.size() + (zeros > 0 ? VarintSize(zeros) : 0);
    const size_t list_cost = list.size() + VarintSize(list.size());
    // Prefer the skip-byte list when it is no larger: it is walked without branches.
    const bool use_skip = skip_cost <= list_cost;
    const size_t cost = use_skip ? skip_cost : list_cost;
    if (cost < dense_bytes) {
      const uint8_t enc =
          !use_skip ? kEncVarintList : (zeros > 0 ? kEncSkipBytesWithZeros : kEncSkipBytes);
      PutVarint(uint64_t{s.size()} << 2 | enc, out);
      if (enc == kEncSkipBytesWithZeros) PutVarint(zeros, out);
      if (enc == kEncVarintList) PutVarint(list.size(), out);
      const std::vector<uint8_t>& chosen = use_skip ? skip : list;
      out->insert(out->end(), chosen.begin(), chosen.end());
    } else {
      PutVarint(uint64_t{s.size()} << 2 | kEncBitmap, out);
      size_t at = out->size();
      out->resize(at + dense_bytes, 0);
      uint8_t* bits = out->data() + at;
      for (uint32_t idx : s) bits[idx >> 3] |= static_cast<uint8_t>(1u << (idx & 7));
    }
  }
}

// Reads the class keys of a site header; *keys then points to `small` (kSmallClasses entries)
// or, for more classes, into `many`. Returns the class count, or 0 if the header is corrupt.
// The header readers are forced inline: counting over all samples is little else than these
// reads, and as calls they measured ~10% slower there.
struct ClassKeyView {
  GenotypeKind kind;
  uint32_t a, b;
};
[[gnu::always_inline]] inline uint64_t ReadClassKeys(const uint8_t** pp, const uint8_t* end,
                                                     ClassKeyView* small,
                                                     std::vector<ClassKeyView>* many,
                                                     ClassKeyView** keys) {
  const uint8_t* p = *pp;
  uint64_t head;
  if (!GetVarint(&p, end, &head)) return 0;
  const uint64_t n_classes = head >> 1;
  const bool packed = head & 1;
  if (n_classes == 0 || n_classes > kMaxClasses) return 0;
  ClassKeyView* c = small;
  if (n_classes > kSmallClasses) {
    many->resize(n_classes);
    c = many->data();
  }
  if (packed) {
    if (static_cast<uint64_t>(end - p) < n_classes) return 0;
    for (uint64_t i = 0; i < n_classes; ++i, ++p) {
      c[i] = {static_cast<GenotypeKind>(*p >> 6), (*p >> 3) & 7u, *p & 7u};
    }
  } else {
    for (uint64_t i = 0; i < n_classes; ++i) {
      uint64_t a, b;
      if (p >= end) return 0;
      const uint8_t kind = *p++;
      if (kind > 3 || !GetVarint(&p, end, &a) || !GetVarint(&p, end, &b)) return 0;
      if (a > 0xffffffffu || b > 0xffffffffu) return 0;
      c[i] = {static_cast<GenotypeKind>(kind), static_cast<uint32_t>(a), static_cast<uint32_t>(b)};
    }
  }
  *pp = p;
  *keys = c;
  return n_classes;
}

// Reads a class's count << 2 | enc and, for a list, its byte length (then *enc is kEncSkipBytes
// for both skip-byte forms). False if corrupt.
[[gnu::always_inline]] inline bool ReadClassTag(const uint8_t** p, const uint8_t* end,
                                                uint32_t n_samples, uint64_t* count, uint8_t* enc,
                                                uint64_t* list_bytes) {
  uint64_t tag;
  if (!GetVarint(p, end, &tag)) return false;
  *count = tag >> 2;
  *enc = static_cast<uint8_t>(tag & 3);
  if (*count > n_samples) return false;
  if (*enc == kEncSkipBytes || *enc == kEncSkipBytesWithZeros) {
    uint64_t zeros = 0;
    if (*enc == kEncSkipBytesWithZeros &&
        (!GetVarint(p, end, &zeros) || zeros > static_cast<uint64_t>(end - *p))) {
      return false;
    }
    *enc = kEncSkipBytes;
    *list_bytes = *count + zeros;
    if (*list_bytes > static_cast<uint64_t>(end - *p)) return false;
  } else if (*enc == kEncVarintList) {
    if (!GetVarint(p, end, list_bytes) || *list_bytes > static_cast<uint64_t>(end - *p)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Status EncodeSite(std::span<const int32_t> gt, int ploidy, uint32_t n_samples,
                  std::vector<uint8_t>* out) {
  if (ploidy < 1 || gt.size() != static_cast<size_t>(ploidy) * n_samples) {
    return InvalidArgument("genotype array does not match the sample count");
  }
  // Pass 1 classifies every sample into a small class id (a per-sample byte-sized array and a
  // count per class); only pass 2 builds lists, and only for the non-implicit classes, so the
  // common 0/0 samples cost one table lookup each.
  static constexpr uint16_t kNone = 0xffff;
  struct Scratch {
    std::vector<uint16_t> class_of;
    std::vector<ClassSamples> classes;
    std::vector<uint32_t> counts;
    // Direct lookup for classes whose alleles are below 16: kind << 8 | a << 4 | b.
    std::array<uint16_t, 1024> table;
    std::vector<uint16_t> touched;
    Scratch() { table.fill(kNone); }
  };
  thread_local Scratch tls_scratch;
  Scratch& sc = tls_scratch;  // one TLS lookup, not one per use
  sc.class_of.resize(n_samples);
  sc.counts.clear();
  size_t used = 0;
  auto class_id = [&](ClassKey key) -> uint16_t {
    const bool small = key.a < 16 && key.b < 16;
    const auto slot =
        static_cast<uint16_t>(static_cast<uint32_t>(key.kind) << 8 | key.a << 4 | key.b);
    if (small && sc.table[slot] != kNone) return sc.table[slot];
    if (!small) {
      for (size_t c = 0; c < used; ++c) {
        if (sc.classes[c].key == key) return static_cast<uint16_t>(c);
      }
    }
    if (used == sc.classes.size()) sc.classes.emplace_back();
    sc.classes[used].key = key;
    sc.counts.push_back(0);
    if (small) {
      sc.table[slot] = static_cast<uint16_t>(used);
      sc.touched.push_back(slot);
    }
    return static_cast<uint16_t>(used++);
  };
  Status status;
  // Runs of identical calls (mostly 0/0) skip classification.
  int32_t prev0 = INT32_MIN, prev1 = INT32_MIN;
  uint16_t prev_id = 0;
  for (uint32_t i = 0; i < n_samples; ++i) {
    const int32_t* g = gt.data() + static_cast<size_t>(i) * static_cast<size_t>(ploidy);
    const int32_t g1 = ploidy > 1 ? g[1] : kAlleleEnd;
    if (g[0] == prev0 && g1 == prev1) {
      sc.class_of[i] = prev_id;
      ++sc.counts[prev_id];
      continue;
    }
    int slots = 0, nals = 0;
    int32_t a = -1, b = -1;
    for (int s = 0; s < ploidy; ++s) {
      int32_t v = g[s];
      if (v == kAlleleEnd) break;
      ++slots;
      if (v < 0) continue;
      ++nals;
      if (a < 0) {
        a = v;
      } else if (b < 0) {
        b = v;
      }
    }
    if (slots > 2) {
      status =
          InvalidArgument("sample #" + std::to_string(i + 1) + " has ploidy " +
                          std::to_string(slots) + "; only haploid and diploid calls are supported");
      break;
    }
    ClassKey key{GenotypeKind::kMissing, 0, 0};
    if (nals == 1) {
      key = {GenotypeKind::kHemi, static_cast<uint32_t>(a), 0};
    } else if (nals == 2) {
      if (a == b) {
        key = {GenotypeKind::kHom, static_cast<uint32_t>(a), 0};
      } else {
        key = {GenotypeKind::kHet, static_cast<uint32_t>(std::min(a, b)),
               static_cast<uint32_t>(std::max(a, b))};
      }
    }
    if (used >= kMaxClasses) {  // more would read back as corrupt
      status = InvalidArgument("too many distinct genotypes at one site");
      break;
    }
    const uint16_t id = class_id(key);
    sc.class_of[i] = id;
    ++sc.counts[id];
    if (ploidy <= 2) {
      prev0 = g[0];
      prev1 = g1;
      prev_id = id;
    }
  }
  for (uint16_t slot : sc.touched) sc.table[slot] = kNone;
  sc.touched.clear();
  if (!status.ok()) return status;
  if (used == 0) {  // no samples at all
    class_id({GenotypeKind::kMissing, 0, 0});
    for (uint16_t slot : sc.touched) sc.table[slot] = kNone;
    sc.touched.clear();
  }
  // Pass 2: sample lists for every class but the most common one.
  size_t implicit = 0;
  for (size_t c = 1; c < used; ++c) {
    const auto& x = sc.classes[c].key;
    const auto& y = sc.classes[implicit].key;
    if (sc.counts[c] > sc.counts[implicit] ||
        (sc.counts[c] == sc.counts[implicit] &&
         std::tie(x.kind, x.a, x.b) < std::tie(y.kind, y.a, y.b))) {
      implicit = c;
    }
  }
  for (size_t c = 0; c < used; ++c) {
    sc.classes[c].samples.clear();
    if (c != implicit) sc.classes[c].samples.reserve(sc.counts[c]);
  }
  for (uint32_t i = 0; i < n_samples; ++i) {
    const uint16_t id = sc.class_of[i];
    if (id != implicit) sc.classes[id].samples.push_back(i);
  }
  EncodeClasses(std::span<ClassSamples>(sc.classes.data(), used), implicit, n_samples, out);
  return Status::Ok();
}

void EncodeAllMissing(uint32_t /*n_samples*/, std::vector<uint8_t>* out) {
  PutVarint(1 << 1 | 1, out);  // one class, packed key
  out->push_back(static_cast<uint8_t>(GenotypeKind::kMissing) << 6);
}

size_t CountSite(const uint8_t* data, size_t available, const CountingMask* cohort,
                 uint32_t n_samples, SiteCounts* counts) {
  if (cohort != nullptr && cohort->n_samples() != n_samples) return 0;
  const uint64_t* mask = cohort ? cohort->bits() : nullptr;
  const uint32_t mask_size = cohort ? cohort->size() : n_samples;
  const uint8_t* p = data;
  const uint8_t* end = data + available;
  ClassKeyView small[kSmallClasses];
  std::vector<ClassKeyView> many;
  ClassKeyView* c = nullptr;
  const uint64_t n_classes = ReadClassKeys(&p, end, small, &many, &c);
  if (n_classes == 0) return 0;
  counts->cohort_size = mask_size;
  uint32_t rest = mask_size;
  const size_t words = WordsFor(n_samples);
  for (uint64_t i = 1; i < n_classes; ++i) {
    uint64_t count, list_bytes = 0;
    uint8_t enc;
    if (!ReadClassTag(&p, end, n_samples, &count, &enc, &list_bytes)) return 0;
    uint32_t k = 0;
    if (enc == kEncSkipBytes) {
      if (mask == nullptr) {
        k = static_cast<uint32_t>(count);
      } else if (!CountSkipBytes(p, p + list_bytes, *cohort, count, &k)) {
        return 0;
      }
      p += list_bytes;
    } else if (enc == kEncVarintList) {
      const uint8_t* list_end = p + list_bytes;
      if (mask == nullptr) {
        k = static_cast<uint32_t>(count);
        p = list_end;
      } else {
        uint64_t idx = 0;
        for (uint64_t j = 0; j < count; ++j) {
          uint64_t delta;
          if (p < list_end && *p < 0x80) {
            delta = *p++;
          } else if (!GetVarint(&p, list_end, &delta)) {
            return 0;
          }
          idx += delta;
          if (idx >= n_samples) return 0;
          k += static_cast<uint32_t>((mask[idx >> 6] >> (idx & 63)) & 1u);
        }
        if (p != list_end) return 0;
      }
    } else if (enc == kEncBitmap) {
      if (static_cast<size_t>(end - p) < words * 8) return 0;
      if (mask == nullptr) {
        k = static_cast<uint32_t>(count);
      } else {
        uint64_t acc = 0;
        for (size_t w = 0; w < words; ++w) {
          uint64_t bits;
          std::memcpy(&bits, p + w * 8, 8);
          acc += static_cast<uint64_t>(std::popcount(bits & mask[w]));
        }
        k = static_cast<uint32_t>(acc);
      }
      p += words * 8;
    } else {
      return 0;
    }
    if (k > rest) return 0;
    rest -= k;
    if (!AddClass(c[i].kind, c[i].a, c[i].b, k, counts)) return 0;
  }
  if (!AddClass(c[0].kind, c[0].a, c[0].b, rest, counts)) return 0;
  return static_cast<size_t>(p - data);
}

Result<std::vector<SampleCall>> DecodeSite(const uint8_t* data, size_t available,
                                           uint32_t n_samples) {
  const uint8_t* p = data;
  const uint8_t* end = data + available;
  auto corrupt = [] { return DataLoss("corrupt genotype encoding"); };
  ClassKeyView small[kSmallClasses];
  std::vector<ClassKeyView> many;
  ClassKeyView* c = nullptr;
  const uint64_t n_classes = ReadClassKeys(&p, end, small, &many, &c);
  if (n_classes == 0) return corrupt();
  auto call = [&](uint64_t i) { return SampleCall{c[i].kind, c[i].a, c[i].b}; };
  std::vector<SampleCall> calls(n_samples, call(0));
  const size_t words = WordsFor(n_samples);
  for (uint64_t i = 1; i < n_classes; ++i) {
    uint64_t count, list_bytes = 0, idx = 0, seen = 0;
    uint8_t enc;
    if (!ReadClassTag(&p, end, n_samples, &count, &enc, &list_bytes)) return corrupt();
    if (enc == kEncSkipBytes) {
      idx = ~uint64_t{0};
      for (const uint8_t* list_end = p + list_bytes; p < list_end; ++p) {
        idx += *p ? *p : 255;
        if (*p == 0) continue;
        if (idx >= n_samples) return corrupt();
        calls[idx] = call(i);
        ++seen;
      }
    } else if (enc == kEncVarintList) {
      const uint8_t* list_end = p + list_bytes;
      for (; seen < count; ++seen) {
        uint64_t delta;
        if (!GetVarint(&p, list_end, &delta)) return corrupt();
        idx += delta;
        if (idx >= n_samples) return corrupt();
        calls[idx] = call(i);
      }
      if (p != list_end) return corrupt();
    } else if (enc == kEncBitmap) {
      if (static_cast<size_t>(end - p) < words * 8) return corrupt();
      for (uint32_t s = 0; s < n_samples; ++s) {
        if ((p[s >> 3] >> (s & 7)) & 1) {
          calls[s] = call(i);
          ++seen;
        }
      }
      p += words * 8;
    } else {
      return corrupt();
    }
    if (seen != count) return corrupt();
  }
  return calls;
}

}  // namespace renkei
