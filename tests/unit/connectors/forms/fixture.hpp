#pragma once
// Reads recorded payloads from tests/fixtures/forms as raw bytes (signatures need them exact).

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace steward::forms::test {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(STEWARD_SOURCE_DIR) + "/tests/fixtures/forms/" + name,
                   std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace steward::forms::test
