// steward.toml loading: runtime::load_config() with every connector's section (as `serve` reads
// it) over the input as a whole file. The loader only
// takes a path, so the input is written to a per-process temporary file first. Environment
// variables FUZZ_SECRET and FUZZ_NUMBER are set so "${…}" substitution succeeds as well as
// fails. Also runtime::email_domain() on the first line.
//
// Input: the TOML text.
//
// Invariants: errors are kInvalidInput and start with the file's path; a loaded config keeps
// every documented range (threads 1-64, body_limit 1 KiB-64 MiB) and every form has a secret
// and a known format; the config's file is the path we gave.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bot/runtime/config.hpp"
#include "tests/fuzz/fuzz_util.hpp"
#include "tests/unit/runtime/load_all.hpp"

namespace {

std::filesystem::path g_dir;
std::filesystem::path g_file;

void remove_temp() {
  std::error_code ec;
  std::filesystem::remove_all(g_dir, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = std::getenv("TMPDIR");
  g_dir = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
          ("steward-fuzz-config." + std::to_string(::getpid()));
  std::filesystem::create_directories(g_dir);
  g_file = g_dir / "steward.toml";
  std::atexit(remove_temp);
  ::setenv("FUZZ_SECRET", "fuzz-secret-value", 1);
  ::setenv("FUZZ_NUMBER", "4", 1);
  ::unsetenv("FUZZ_MISSING");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace steward;
  {
    std::ofstream out(g_file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    fuzz::require(static_cast<bool>(out), "cannot write the temporary config file");
  }
  auto config = runtime::test::load_all(g_file);
  if (!config) {
    fuzz::require(config.error().code == Errc::kInvalidInput, "config error is not invalid_input");
    fuzz::require(config.error().message.rfind(g_file.string(), 0) == 0,
                  "config error does not name the file");
  } else {
    fuzz::require(config->file == g_file, "config file path changed");
    fuzz::require(config->server.threads >= 1 && config->server.threads <= 64, "threads range");
    fuzz::require(config->server.body_limit >= 1024 && config->server.body_limit <= (64u << 20),
                  "body_limit range");
    for (const auto& form : config->forms_connector.forms)
      fuzz::require(!form.secret.empty(), "form without secret");
  }
  std::string_view rest = fuzz::as_text(data, size);
  (void)runtime::email_domain(fuzz::take_line(rest));
  return 0;
}
