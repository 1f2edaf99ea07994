// Progress on long work (ingest, whole-store output, simulation).
//
// Draws a single updating line on stderr when stderr is a terminal; silent in pipes, files and
// CI so that logs stay clean. Not thread-safe: update from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace renkei {

class Progress {
 public:
  // total == 0 means unknown; the line then shows a count and a rate only.
  Progress(std::string label, uint64_t total);
  ~Progress();  // finishes the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Sets the amount done; redraws at most ~10 times a second.
  void Update(uint64_t done);
  void Finish();

 private:
  void Draw(bool final_line);

  std::string label_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace renkei
