#include "common/progress.h"

#include <unistd.h>

#include <cstdio>

namespace renkei {

Progress::Progress(std::string label, uint64_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Update(uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(false);
}

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) Draw(true);
}

void Progress::Draw(bool final_line) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? static_cast<double>(done_) / secs : 0.0;
  if (total_ > 0) {
    double pct = 100.0 * static_cast<double>(done_) / static_cast<double>(total_);
    std::fprintf(stderr, "\r%s: %llu/%llu (%.1f%%) %.0f/s %.1fs", label_.c_str(),
                 static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_),
                 pct, rate, secs);
  } else {
    std::fprintf(stderr, "\r%s: %llu %.0f/s %.1fs", label_.c_str(),
                 static_cast<unsigned long long>(done_), rate, secs);
  }
  if (final_line) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace renkei
