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

/// Parses a response out of the front of `raw`; true once it is complete (Content-Length
/// honoured, or the server closed after the header), with `consumed` its length in bytes.
bool parse_reply(const std::string& raw, Reply& r, bool at_eof, std::size_t& consumed) {
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
      auto& slot = headers[lower(line.substr(0, colon))];
      slot += (slot.empty() ? "" : ", ") + v;
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
  consumed = std::min(raw.size(), end + 4 + length);
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

RawConnection::RawConnection(int port) : fd_(connect_loopback(port)) {}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

unsigned short RawConnection::local_port() const {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

bool RawConnection::send(std::string_view data) { return fd_ >= 0 && send_all(fd_, data); }

void RawConnection::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

Reply RawConnection::read_reply(std::chrono::milliseconds timeout) {
  Reply r;
  if (fd_ < 0) {
    r.connected = false;
    return r;
  }
  std::size_t consumed = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!parse_reply(buf_, r, false, consumed)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd p{fd_, POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      r.timed_out = true;
      break;
    }
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      r.recv_errno = n < 0 ? errno : 0;
      r.closed = true;
      if (!parse_reply(buf_, r, true, consumed)) consumed = buf_.size();
      break;
    }
    buf_.append(buf, static_cast<std::size_t>(n));
  }
  if (r.responded) {
    r.raw = buf_.substr(0, consumed);
    buf_.erase(0, consumed);
  } else {
    r.raw = std::move(buf_);
    buf_.clear();
  }
  r.raw_bytes = r.raw.size();
  return r;
}

std::optional<Reply> RawConnection::read_response(std::chrono::milliseconds timeout) {
  Reply r = read_reply(timeout);
  if (!r.responded) return std::nullopt;
  return r;
}

bool RawConnection::closed_within(std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  buf_.clear();
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) return false;
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n == 0) return true;
    if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return true;
  }
}

Reply raw_exchange(int port, std::string_view bytes, bool half_close,
                   std::chrono::milliseconds timeout) {
  RawConnection c(port);
  if (!c.connected()) {
    Reply r;
    r.connected = false;
    return r;
  }
  c.send(bytes);
  if (half_close) c.shutdown_write();
  return c.read_reply(timeout);
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
