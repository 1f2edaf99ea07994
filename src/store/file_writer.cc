#include "store/file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace renkei {
namespace fs = std::filesystem;
namespace {

Status FsyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Internal("cannot open " + path + " for fsync: " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Internal("fsync " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

Result<FileWriter> FileWriter::Create(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wbx");
  if (!f) {
    if (errno == EEXIST) return AlreadyExists(path + " already exists");
    return Internal("cannot create " + path + ": " + std::strerror(errno));
  }
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  return FileWriter(f, path);
}

FileWriter::FileWriter(FileWriter&& o) noexcept
    : file_(std::exchange(o.file_, nullptr)), path_(std::move(o.path_)), size_(o.size_) {}

FileWriter::~FileWriter() {
  if (file_) std::fclose(file_);
}

Status FileWriter::Write(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return Status::Ok();
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return Internal("write " + path_ + ": " + std::strerror(errno));
  }
  size_ += bytes.size();
  return Status::Ok();
}

Status FileWriter::Write(std::string_view text) {
  return Write(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Status FileWriter::Close() {
  if (!file_) return Status::Ok();
  bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  int err = errno;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok) return Internal("close " + path_ + ": " + std::strerror(err));
  return Status::Ok();
}

Result<StagingDir> StagingDir::Create(const std::string& final_path, bool overwrite) {
  std::error_code ec;
  if (fs::exists(final_path, ec) && !overwrite) {
    return AlreadyExists(final_path + " already exists; choose another --out or pass --force");
  }
  fs::path parent = fs::path(final_path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec) && !fs::create_directories(parent, ec)) {
    return Internal("cannot create " + parent.string() + ": " + ec.message());
  }
  std::string staging = final_path + ".partial-" + std::to_string(::getpid());
  fs::remove_all(staging, ec);
  if (!fs::create_directory(staging, ec)) {
    return Internal("cannot create " + staging + ": " + ec.message());
  }
  return StagingDir(final_path, staging, overwrite);
}

StagingDir::StagingDir(StagingDir&& o) noexcept
    : final_(std::move(o.final_)),
      staging_(std::move(o.staging_)),
      overwrite_(o.overwrite_),
      committed_(std::exchange(o.committed_, true)) {}

StagingDir::~StagingDir() {
  if (!committed_ && !staging_.empty()) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

Status StagingDir::Commit() {
  RETURN_IF_ERROR(FsyncPath(staging_));
  std::error_code ec;
  std::string old;
  if (fs::exists(final_, ec)) {
    if (!overwrite_) return AlreadyExists(final_ + " already exists");
    old = final_ + ".old-" + std::to_string(::getpid());
    fs::rename(final_, old, ec);
    if (ec) return Internal("cannot move aside " + final_ + ": " + ec.message());
  }
  fs::rename(staging_, final_, ec);
  if (ec) return Internal("cannot rename " + staging_ + " to " + final_ + ": " + ec.message());
  committed_ = true;
  if (!old.empty()) fs::remove_all(old, ec);
  fs::path parent = fs::absolute(final_, ec).parent_path();
  return FsyncPath(parent.string());
}

}  // namespace renkei
