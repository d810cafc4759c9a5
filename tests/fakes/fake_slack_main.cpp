// Standalone fake Slack Web API for end-to-end tests and benchmarks.
//   fake_slack --token T --port-file PATH [--port N] [--channel C]...
// Writes its port to PATH once listening; control endpoints GET /_calls, POST /_fault,
// POST /_reset; exits on SIGTERM or SIGINT.

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "tests/fakes/fake_slack.hpp"

namespace {

int usage() {
  std::cerr << "usage: fake_slack --token T --port-file PATH [--port N] [--channel C]...\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  steward::fakes::FakeSlackOptions options;
  options.control_endpoints = true;
  std::string port_file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    std::string value = argv[++i];
    if (arg == "--token") {
      options.token = value;
    } else if (arg == "--port-file") {
      port_file = value;
    } else if (arg == "--port") {
      char* end = nullptr;
      long port = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || port < 0 || port > 65535) return usage();
      options.port = static_cast<int>(port);
    } else if (arg == "--channel") {
      options.channels.push_back(value);
    } else {
      return usage();
    }
  }
  if (options.token.empty() || port_file.empty()) return usage();

  // Block the stop signals in every thread (the server's threads inherit the mask); the main
  // thread then waits for them synchronously.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  steward::fakes::FakeSlack fake(options);
  if (!fake.ok()) {
    std::cerr << "fake_slack: cannot listen\n";
    return 1;
  }
  {
    std::string tmp = port_file + ".tmp";
    std::ofstream out(tmp, std::ios::trunc);
    out << fake.port() << "\n";
    out.close();
    if (!out || std::rename(tmp.c_str(), port_file.c_str()) != 0) {
      std::cerr << "fake_slack: cannot write port file\n";
      return 1;
    }
  }
  std::cerr << "fake_slack listening on 127.0.0.1:" << fake.port() << "\n";
  int sig = 0;
  sigwait(&stop_signals, &sig);
  fake.stop();
  return 0;
}
