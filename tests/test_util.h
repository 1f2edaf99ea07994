// Helpers for end-to-end tests: run commands, temporary directories, read VCF text output.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace renkei::testing {

struct CommandResult {
  int exit_code;
  std::string output;  // stdout, plus stderr when requested
};

// Runs a shell command; captures stdout (and stderr if merge_stderr).
inline CommandResult Shell(const std::string& cmd, bool merge_stderr = false) {
  std::string full = "set -o pipefail; " + cmd + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  std::FILE* p = popen(("bash -c '" +
                        [&] {
                          std::string q;
                          for (char c : full)
                            q += c == '\'' ? std::string("'\\''") : std::string(1, c);
                          return q;
                        }() +
                        "'")
                           .c_str(),
                       "r");
  CommandResult r{-1, ""};
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Path of the renkei binary under test (set by CTest), quoted for the shell.
inline std::string Renkei() {
  const char* bin = std::getenv("RENKEI_BIN");
  return bin ? std::string(bin) : std::string("renkei");
}

inline std::string SharedDir() { return RENKEI_SHARED_DIR; }
inline std::string TestData() { return RENKEI_TEST_DATA; }

// A fresh directory removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "renkei-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One data line of VCF text: the site and its INFO tags.
struct VcfLine {
  std::string site;  // CHROM:POS:REF:ALT
  std::map<std::string, std::string> info;
};

inline std::vector<VcfLine> ParseVcfText(const std::string& text) {
  std::vector<VcfLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::istringstream ls(line);
    std::string field;
    while (std::getline(ls, field, '\t')) f.push_back(field);
    if (f.size() < 8) continue;
    VcfLine v;
    v.site = f[0] + ":" + f[1] + ":" + f[3] + ":" + f[4];
    std::istringstream is(f[7]);
    std::string kv;
    while (std::getline(is, kv, ';')) {
      auto eq = kv.find('=');
      if (eq != std::string::npos) v.info[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    out.push_back(std::move(v));
  }
  return out;
}

inline const std::vector<std::string>& CountTags() {
  static const std::vector<std::string> tags = {"AC",     "AN",     "AF",     "NS",
                                                "AC_Het", "AC_Hom", "AC_Hemi"};
  return tags;
}

}  // namespace renkei::testing
