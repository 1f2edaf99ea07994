// The attribute vocabularies of sample metadata: 10-year age bands, sex, the 47 Japanese
// prefectures (JIS X 0401) and the 8 regions that group them.
//
// All functions are pure and thread-safe; returned string_views point to static storage.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/status.h"

namespace renkei {

// Age bands are indices 0..9: 0 = "0-9", 1 = "10-19", ..., 8 = "80-89", 9 = "90+".
inline constexpr int kAgeBandCount = 10;

// Parses a band name ("0-9" ... "80-89", "90+"). Returns its index, or InvalidArgument naming
// the value and the accepted forms.
Result<int> ParseAgeBand(std::string_view text);

// Returns the band's name, e.g. "60-69" or "90+". Precondition: 0 <= band < kAgeBandCount.
std::string_view AgeBandName(int band);

enum class Sex : uint8_t { kMale = 0, kFemale = 1, kUnknown = 2 };
inline constexpr int kSexCount = 3;

// Parses "male", "female" or "unknown" (ASCII case-insensitive). InvalidArgument otherwise.
Result<Sex> ParseSex(std::string_view text);

// Returns "male", "female" or "unknown".
std::string_view SexName(Sex sex);

// The standard 8-region grouping of the prefectures, in JIS order.
enum class Region : uint8_t {
  kHokkaido = 0,
  kTohoku,
  kKanto,
  kChubu,
  kKinki,
  kChugoku,
  kShikoku,
  kKyushuOkinawa,
};
inline constexpr int kRegionCount = 8;

// Parses a region: English names ASCII case-insensitively ("kanto", "Kyushu-Okinawa", also
// "kyushu", "kyushu okinawa", "kansai" for Kinki) or Japanese (関東, 九州・沖縄, 九州沖縄, 九州,
// with or without 地方). InvalidArgument otherwise, listing the accepted slugs.
Result<Region> ParseRegion(std::string_view text);

// Returns the output slug: "hokkaido", "tohoku", "kanto", "chubu", "kinki", "chugoku",
// "shikoku" or "kyushu-okinawa".
std::string_view RegionName(Region region);

// Returns the Japanese name, e.g. "関東" or "九州・沖縄".
std::string_view RegionNameJa(Region region);

struct Prefecture {
  uint8_t code;              // JIS X 0401, 1..47
  std::string_view name_en;  // "Tokyo"
  std::string_view name_ja;  // "東京都"
  Region region;
};
inline constexpr int kPrefectureCount = 47;

// Returns all 47 prefectures; element i has code i + 1.
std::span<const Prefecture> Prefectures();

// Returns the prefecture with this code. Precondition: 1 <= code <= 47.
const Prefecture& PrefectureByCode(uint8_t code);

// Parses a prefecture: a JIS code ("13", "1", "01"), an English name ASCII case-insensitively
// ("Tokyo", "tokyo"), or a Japanese name with or without its suffix 都/道/府/県 ("東京都",
// "東京"). Returns the code 1..47, or InvalidArgument naming the value.
Result<uint8_t> ParsePrefecture(std::string_view text);

}  // namespace renkei
