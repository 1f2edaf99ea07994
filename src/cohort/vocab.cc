#include "cohort/vocab.h"

#include <array>
#include <string>

#include "cohort/text_util.h"

namespace renkei {
namespace {

constexpr std::array<std::string_view, kAgeBandCount> kAgeBandNames = {
    "0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+"};

constexpr std::array<std::string_view, kSexCount> kSexNames = {"male", "female", "unknown"};

constexpr std::array<std::string_view, kRegionCount> kRegionSlugs = {
    "hokkaido", "tohoku", "kanto", "chubu", "kinki", "chugoku", "shikoku", "kyushu-okinawa"};

constexpr std::array<std::string_view, kRegionCount> kRegionJa = {
    "北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州・沖縄"};

struct RegionAlias {
  std::string_view name;
  Region region;
};

// Alternative spellings accepted by ParseRegion besides the slugs and kRegionJa.
constexpr std::array<RegionAlias, 9> kRegionAliases = {{
    {"kyushu", Region::kKyushuOkinawa},
    {"kyushu okinawa", Region::kKyushuOkinawa},
    {"kyushu_okinawa", Region::kKyushuOkinawa},
    {"kyushuokinawa", Region::kKyushuOkinawa},
    {"kyushu-and-okinawa", Region::kKyushuOkinawa},
    {"kansai", Region::kKinki},
    {"九州沖縄", Region::kKyushuOkinawa},
    {"九州", Region::kKyushuOkinawa},
    {"関西", Region::kKinki},
}};

using R = Region;
constexpr std::array<Prefecture, kPrefectureCount> kPrefectures = {{
    {1, "Hokkaido", "北海道", R::kHokkaido},
    {2, "Aomori", "青森県", R::kTohoku},
    {3, "Iwate", "岩手県", R::kTohoku},
    {4, "Miyagi", "宮城県", R::kTohoku},
    {5, "Akita", "秋田県", R::kTohoku},
    {6, "Yamagata", "山形県", R::kTohoku},
    {7, "Fukushima", "福島県", R::kTohoku},
    {8, "Ibaraki", "茨城県", R::kKanto},
    {9, "Tochigi", "栃木県", R::kKanto},
    {10, "Gunma", "群馬県", R::kKanto},
    {11, "Saitama", "埼玉県", R::kKanto},
    {12, "Chiba", "千葉県", R::kKanto},
    {13, "Tokyo", "東京都", R::kKanto},
    {14, "Kanagawa", "神奈川県", R::kKanto},
    {15, "Niigata", "新潟県", R::kChubu},
    {16, "Toyama", "富山県", R::kChubu},
    {17, "Ishikawa", "石川県", R::kChubu},
    {18, "Fukui", "福井県", R::kChubu},
    {19, "Yamanashi", "山梨県", R::kChubu},
    {20, "Nagano", "長野県", R::kChubu},
    {21, "Gifu", "岐阜県", R::kChubu},
    {22, "Shizuoka", "静岡県", R::kChubu},
    {23, "Aichi", "愛知県", R::kChubu},
    {24, "Mie", "三重県", R::kKinki},
    {25, "Shiga", "滋賀県", R::kKinki},
    {26, "Kyoto", "京都府", R::kKinki},
    {27, "Osaka", "大阪府", R::kKinki},
    {28, "Hyogo", "兵庫県", R::kKinki},
    {29, "Nara", "奈良県", R::kKinki},
    {30, "Wakayama", "和歌山県", R::kKinki},
    {31, "Tottori", "鳥取県", R::kChugoku},
    {32, "Shimane", "島根県", R::kChugoku},
    {33, "Okayama", "岡山県", R::kChugoku},
    {34, "Hiroshima", "広島県", R::kChugoku},
    {35, "Yamaguchi", "山口県", R::kChugoku},
    {36, "Tokushima", "徳島県", R::kShikoku},
    {37, "Kagawa", "香川県", R::kShikoku},
    {38, "Ehime", "愛媛県", R::kShikoku},
    {39, "Kochi", "高知県", R::kShikoku},
    {40, "Fukuoka", "福岡県", R::kKyushuOkinawa},
    {41, "Saga", "佐賀県", R::kKyushuOkinawa},
    {42, "Nagasaki", "長崎県", R::kKyushuOkinawa},
    {43, "Kumamoto", "熊本県", R::kKyushuOkinawa},
    {44, "Oita", "大分県", R::kKyushuOkinawa},
    {45, "Miyazaki", "宮崎県", R::kKyushuOkinawa},
    {46, "Kagoshima", "鹿児島県", R::kKyushuOkinawa},
    {47, "Okinawa", "沖縄県", R::kKyushuOkinawa},
}};

// The Japanese prefecture suffixes, each one three-byte UTF-8 character.
constexpr std::array<std::string_view, 4> kPrefectureSuffixes = {"都", "道", "府", "県"};

std::string_view StripPrefectureSuffix(std::string_view name) {
  for (std::string_view suffix : kPrefectureSuffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      return name.substr(0, name.size() - suffix.size());
    }
  }
  return name;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

Result<int> ParseAgeBand(std::string_view text) {
  for (int i = 0; i < kAgeBandCount; ++i) {
    if (text == kAgeBandNames[static_cast<size_t>(i)]) return i;
  }
  return InvalidArgument("unknown age band " + Quote(text) +
                         "; expected one of 0-9, 10-19, ..., 80-89, 90+");
}

std::string_view AgeBandName(int band) { return kAgeBandNames[static_cast<size_t>(band)]; }

Result<Sex> ParseSex(std::string_view text) {
  for (int i = 0; i < kSexCount; ++i) {
    if (text::EqualsIgnoreCase(text, kSexNames[static_cast<size_t>(i)])) {
      return static_cast<Sex>(i);
    }
  }
  return InvalidArgument("unknown sex " + Quote(text) + "; expected male, female or unknown");
}

std::string_view SexName(Sex sex) { return kSexNames[static_cast<size_t>(sex)]; }

Result<Region> ParseRegion(std::string_view text) {
  for (int i = 0; i < kRegionCount; ++i) {
    if (text::EqualsIgnoreCase(text, kRegionSlugs[static_cast<size_t>(i)]) ||
        text == kRegionJa[static_cast<size_t>(i)] ||
        (text.ends_with("地方") && text.substr(0, text.size() - std::string_view("地方").size()) ==
                                       kRegionJa[static_cast<size_t>(i)])) {
      return static_cast<Region>(i);
    }
  }
  for (const RegionAlias& alias : kRegionAliases) {
    if (text::EqualsIgnoreCase(text, alias.name)) return alias.region;
  }
  return InvalidArgument("unknown region " + Quote(text) +
                         "; expected one of hokkaido, tohoku, kanto, chubu, kinki, chugoku, "
                         "shikoku, kyushu-okinawa");
}

std::string_view RegionName(Region region) { return kRegionSlugs[static_cast<size_t>(region)]; }

std::string_view RegionNameJa(Region region) { return kRegionJa[static_cast<size_t>(region)]; }

std::span<const Prefecture> Prefectures() { return kPrefectures; }

const Prefecture& PrefectureByCode(uint8_t code) { return kPrefectures[code - 1u]; }

Result<uint8_t> ParsePrefecture(std::string_view text) {
  if (!text.empty() && text.size() <= 2 && text::IsDigit(text[0]) &&
      (text.size() == 1 || text::IsDigit(text[1]))) {
    int code = text[0] - '0';
    if (text.size() == 2) code = code * 10 + (text[1] - '0');
    if (code >= 1 && code <= kPrefectureCount) return static_cast<uint8_t>(code);
    return InvalidArgument("unknown prefecture code " + Quote(text) +
                           "; JIS X 0401 codes run from 01 to 47");
  }
  for (const Prefecture& p : kPrefectures) {
    if (text::EqualsIgnoreCase(text, p.name_en) || text == p.name_ja ||
        // 北海道 keeps its 道: "北海" is not a name anyone uses.
        (p.code != 1 && text == StripPrefectureSuffix(p.name_ja))) {
      return p.code;
    }
  }
  return InvalidArgument("unknown prefecture " + Quote(text) +
                         "; expected a JIS code 01-47, an English name such as Tokyo or a "
                         "Japanese name such as 東京都");
}

}  // namespace renkei
