#include "tests/support/raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace steward::testing {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/// Parses a response out of `raw`; true once it is complete (Content-Length honoured, or the
/// server closed after the header).
bool parse_reply(const std::string& raw, Reply& r, bool at_eof = false) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string head = raw.substr(0, end);
  auto line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return false;
  int status = std::atoi(status_line.substr(9, 3).c_str());
  std::map<std::string, std::string> headers;
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    auto line = head.substr(pos, next - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      auto v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      headers[lower(line.substr(0, colon))] = v;
    }
    pos = next + 2;
  }
  std::size_t length = 0;
  if (auto it = headers.find("content-length"); it != headers.end())
    length = static_cast<std::size_t>(std::strtoull(it->second.c_str(), nullptr, 10));
  if (raw.size() < end + 4 + length && !at_eof) return false;
  r.status = status;
  r.headers = std::move(headers);
  r.body = raw.substr(end + 4, std::min(length, raw.size() - end - 4));
  r.responded = true;
  return true;
}

}  // namespace

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

Reply read_reply(int fd, std::chrono::milliseconds timeout) {
  Reply r;
  std::string raw;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!parse_reply(raw, r)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      r.timed_out = true;
      break;
    }
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      r.recv_errno = n < 0 ? errno : 0;
      r.closed = true;
      parse_reply(raw, r, true);
      break;
    }
    raw.append(buf, static_cast<std::size_t>(n));
  }
  r.raw_bytes = raw.size();
  r.raw = std::move(raw);
  return r;
}

Reply raw_exchange(int port, std::string_view bytes, bool half_close,
                   std::chrono::milliseconds timeout) {
  int fd = connect_loopback(port);
  if (fd < 0) {
    Reply r;
    r.connected = false;
    return r;
  }
  send_all(fd, bytes);
  if (half_close) ::shutdown(fd, SHUT_WR);
  Reply r = read_reply(fd, timeout);
  ::close(fd);
  return r;
}

std::string build_request(const std::string& method, const std::string& target,
                          const Headers& headers, const std::string& body) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return out + body;
}

int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

}  // namespace steward::testing
