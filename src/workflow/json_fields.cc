#include "workflow/json_fields.h"

#include <cstdio>

namespace renkei::workflow_json {

namespace {

// Reads `n` decimal digits at text[pos...]; -1 if any is not a digit.
int Digits(std::string_view text, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

std::string TypeName(const nlohmann::json& j) { return j.type_name(); }

}  // namespace

Fields::Fields(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {
  if (!object_.is_object()) {
    status_ = InvalidArgument(path_ + ": expected an object, got " + TypeName(object_));
  }
}

void Fields::Fail(std::string_view key, std::string_view message) {
  if (status_.ok()) status_ = InvalidArgument(PathOf(key) + ": " + std::string(message));
}

void Fields::Adopt(const Status& status) {
  if (status_.ok() && !status.ok()) status_ = status;
}

std::string Fields::PathOf(std::string_view key) const { return path_ + "." + std::string(key); }

const nlohmann::json* Fields::Find(const char* key, bool required) {
  if (!status_.ok()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required) Fail(key, "required field missing");
    return nullptr;
  }
  return &*it;
}

std::string Fields::String(const char* key, bool required) {
  const nlohmann::json* j = Find(key, required);
  if (j == nullptr) return "";
  if (!j->is_string()) {
    Fail(key, "expected a string, got " + TypeName(*j));
    return "";
  }
  return j->get<std::string>();
}

bool Fields::Bool(const char* key, bool fallback) {
  const nlohmann::json* j = Find(key, false);
  if (j == nullptr) return fallback;
  if (!j->is_boolean()) {
    Fail(key, "expected true or false, got " + TypeName(*j));
    return fallback;
  }
  return j->get<bool>();
}

int64_t Fields::Int(const char* key, int64_t fallback, int64_t min, int64_t max) {
  const nlohmann::json* j = Find(key, false);
  if (j == nullptr) return fallback;
  if (!j->is_number_integer()) {
    Fail(key, "expected an integer, got " + TypeName(*j));
    return fallback;
  }
  if (j->is_number_unsigned() && j->get<uint64_t>() > static_cast<uint64_t>(max)) {
    Fail(key, "must be at most " + std::to_string(max));
    return fallback;
  }
  int64_t v = j->get<int64_t>();
  if (v < min || v > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return fallback;
  }
  return v;
}

std::vector<std::string> Fields::Strings(const char* key) {
  std::vector<std::string> out;
  const nlohmann::json* j = Array(key);
  if (j == nullptr) return out;
  for (size_t i = 0; i < j->size(); ++i) {
    const nlohmann::json& item = (*j)[i];
    if (!item.is_string()) {
      Fail(std::string(key) + "[" + std::to_string(i) + "]",
           "expected a string, got " + TypeName(item));
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

const nlohmann::json* Fields::Object(const char* key, bool required) {
  const nlohmann::json* j = Find(key, required);
  if (j == nullptr) return nullptr;
  if (!j->is_object()) {
    Fail(key, "expected an object, got " + TypeName(*j));
    return nullptr;
  }
  return j;
}

const nlohmann::json* Fields::Array(const char* key, bool required) {
  const nlohmann::json* j = Find(key, required);
  if (j == nullptr) return nullptr;
  if (!j->is_array()) {
    Fail(key, "expected an array, got " + TypeName(*j));
    return nullptr;
  }
  return j;
}

std::optional<std::chrono::sys_seconds> Fields::Time(const char* key, bool required) {
  const nlohmann::json* j = Find(key, required);
  if (j == nullptr) return std::nullopt;
  if (!j->is_string()) {
    Fail(key, "expected a time YYYY-MM-DDTHH:MM:SSZ, got " + TypeName(*j));
    return std::nullopt;
  }
  Result<std::chrono::sys_seconds> t = ParseTime(j->get<std::string>());
  if (!t.ok()) {
    Fail(key, t.status().message());
    return std::nullopt;
  }
  return *t;
}

std::optional<std::chrono::sys_days> Fields::Date(const char* key, bool required) {
  const nlohmann::json* j = Find(key, required);
  if (j == nullptr) return std::nullopt;
  if (!j->is_string()) {
    Fail(key, "expected a date YYYY-MM-DD, got " + TypeName(*j));
    return std::nullopt;
  }
  Result<std::chrono::sys_days> d = ParseDate(j->get<std::string>());
  if (!d.ok()) {
    Fail(key, d.status().message());
    return std::nullopt;
  }
  return *d;
}

std::string FormatDate(std::chrono::sys_days d) {
  std::chrono::year_month_day ymd(d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string FormatTime(std::chrono::sys_seconds t) {
  std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::hh_mm_ss hms(t - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "T%02d:%02d:%02dZ", static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return FormatDate(day) + buf;
}

Result<std::chrono::sys_days> ParseDate(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("malformed date '" + std::string(text) +
                           "'; expected a calendar date YYYY-MM-DD");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int y = Digits(text, 0, 4), m = Digits(text, 5, 2), d = Digits(text, 8, 2);
  if (y < 0 || m < 0 || d < 0) return bad();
  std::chrono::year_month_day ymd{std::chrono::year(y),
                                  std::chrono::month(static_cast<unsigned>(m)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return bad();
  return std::chrono::sys_days(ymd);
}

Result<std::chrono::sys_seconds> ParseTime(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("malformed time '" + std::string(text) +
                           "'; expected UTC YYYY-MM-DDTHH:MM:SSZ");
  };
  if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text[19] != 'Z') {
    return bad();
  }
  Result<std::chrono::sys_days> day = ParseDate(text.substr(0, 10));
  if (!day.ok()) return bad();
  int h = Digits(text, 11, 2), mi = Digits(text, 14, 2), s = Digits(text, 17, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return bad();
  return std::chrono::sys_seconds(*day) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s);
}

}  // namespace renkei::workflow_json
