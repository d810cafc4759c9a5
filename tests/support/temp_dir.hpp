#pragma once
// A fresh temporary directory per test, removed afterwards (kept when STEWARD_KEEP_TEST_DIRS
// is set, to look at a failed run's store and log).

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace steward::testing {

/// A directory made by mkdtemp under $TMPDIR; path() is empty when mkdtemp failed.
/// @par Thread safety: not shared between threads while being destroyed.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "steward-test-XXXXXX").string();
    if (char* p = ::mkdtemp(tmpl.data())) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty() && !std::getenv("STEWARD_KEEP_TEST_DIRS"))
      std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace steward::testing
