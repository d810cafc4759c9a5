#pragma once
// Reads recorded Slack payloads from tests/fixtures/slack.

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace steward::slack::test {

inline std::string fixture(const std::string& name) {
  std::string path = std::string(STEWARD_SOURCE_DIR) + "/tests/fixtures/slack/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace steward::slack::test
