// Internal to the workflow layer: reading JSON objects field by field with errors that name the
// field's path ("application.content.period_end: expected a date YYYY-MM-DD"), and the text
// forms of timestamps and dates. nlohmann-json throws; nothing here does.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace renkei::workflow_json {

// Reads fields of one JSON object. The first error sticks: later reads return defaults, and
// status() reports the first error only, so parsers read straight through and check once.
class Fields {
 public:
  // `path` names the object in messages ("application", "application.reviews[2]").
  Fields(const nlohmann::json& object, std::string path);

  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  // Records an error about `key` (no-op after the first error).
  void Fail(std::string_view key, std::string_view message);
  // Records an error about the object itself, or adopts a nested reader's error.
  void Adopt(const Status& status);
  // "path.key".
  std::string PathOf(std::string_view key) const;

  // A string field; a missing field is "" unless required.
  std::string String(const char* key, bool required = false);
  // A boolean field; `fallback` when missing.
  bool Bool(const char* key, bool fallback);
  // An integer field; `fallback` when missing; an error if not an integer or out of range.
  int64_t Int(const char* key, int64_t fallback, int64_t min, int64_t max);
  // An array of strings; empty when missing.
  std::vector<std::string> Strings(const char* key);
  // The field if present and of the wanted type (object or array), else nullptr (an error if
  // present with the wrong type, or missing and required).
  const nlohmann::json* Object(const char* key, bool required = false);
  const nlohmann::json* Array(const char* key, bool required = false);
  // "YYYY-MM-DDTHH:MM:SSZ"; missing is an error if required, else nullopt.
  std::optional<std::chrono::sys_seconds> Time(const char* key, bool required);
  // "YYYY-MM-DD"; missing or null is nullopt unless required.
  std::optional<std::chrono::sys_days> Date(const char* key, bool required);

 private:
  const nlohmann::json* Find(const char* key, bool required);

  const nlohmann::json& object_;
  std::string path_;
  Status status_;
};

// "2025-04-01T09:30:00Z" (UTC, whole seconds).
std::string FormatTime(std::chrono::sys_seconds t);
// Parses exactly FormatTime's form; InvalidArgument otherwise.
Result<std::chrono::sys_seconds> ParseTime(std::string_view text);
// "2025-04-01".
std::string FormatDate(std::chrono::sys_days d);
// Parses exactly "YYYY-MM-DD" with a real calendar date; InvalidArgument otherwise.
Result<std::chrono::sys_days> ParseDate(std::string_view text);

}  // namespace renkei::workflow_json
