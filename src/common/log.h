// Logging: a thin wrapper over spdlog so that the rest of the code names one header.
// Messages go to stderr. Never log secrets or individual-level data.
#pragma once

#include <spdlog/spdlog.h>

namespace renkei {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

// Sets the process-wide level; thread-safe.
void SetLogLevel(LogLevel level);

}  // namespace renkei

#define LOG_DEBUG(...) ::spdlog::debug(__VA_ARGS__)
#define LOG_INFO(...) ::spdlog::info(__VA_ARGS__)
#define LOG_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define LOG_ERROR(...) ::spdlog::error(__VA_ARGS__)
