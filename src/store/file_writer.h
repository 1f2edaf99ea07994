// Output files of a store being written: buffered appends, durable close, and the
// write-aside-then-rename directory that makes ingest atomic.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace renkei {

// Appends to a new file; Close() flushes and fsyncs. Not thread-safe.
class FileWriter {
 public:
  // AlreadyExists if the file exists; Internal on I/O failure.
  static Result<FileWriter> Create(const std::string& path);
  FileWriter(FileWriter&& o) noexcept;
  FileWriter& operator=(FileWriter&&) = delete;
  ~FileWriter();

  Status Write(std::span<const uint8_t> bytes);
  Status Write(std::string_view text);
  uint64_t size() const { return size_; }
  // Flushes, fsyncs and closes. Internal on failure (e.g. disk full).
  Status Close();

 private:
  FileWriter(std::FILE* f, std::string path) : file_(f), path_(std::move(path)) {}
  std::FILE* file_ = nullptr;
  std::string path_;
  uint64_t size_ = 0;
};

// A directory written beside its final name and renamed into place on Commit().
// Destroying an uncommitted StagingDir removes it and everything in it.
class StagingDir {
 public:
  // Creates "<final_path>.partial-<pid>" (and final_path's missing parent directories).
  // AlreadyExists if final_path exists and !overwrite.
  static Result<StagingDir> Create(const std::string& final_path, bool overwrite);
  StagingDir(StagingDir&& o) noexcept;
  StagingDir& operator=(StagingDir&&) = delete;
  ~StagingDir();

  const std::string& path() const { return staging_; }
  std::string File(std::string_view name) const { return staging_ + "/" + std::string(name); }
  // fsyncs the directory and renames it to the final path (replacing an old store when
  // overwrite was requested), then fsyncs the parent.
  Status Commit();

 private:
  StagingDir(std::string final_path, std::string staging, bool overwrite)
      : final_(std::move(final_path)), staging_(std::move(staging)), overwrite_(overwrite) {}
  std::string final_;
  std::string staging_;
  bool overwrite_ = false;
  bool committed_ = false;
};

}  // namespace renkei
