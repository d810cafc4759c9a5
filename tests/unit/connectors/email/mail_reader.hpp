#pragma once
// A small, independent reader for the messages the email connector writes: header unfolding,
// quoted-printable, base64 and RFC 2047 decoding. Written from the RFCs, not from our encoder.

#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace steward::email::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// True when every LF is preceded by CR and every CR followed by LF.
inline bool only_crlf(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
  }
  return true;
}

inline std::vector<std::string> lines(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto e = s.find("\r\n", start);
    if (e == std::string_view::npos) e = s.size();
    out.emplace_back(s.substr(start, e - start));
    start = e + 2;
  }
  return out;
}

struct Parsed {
  std::vector<std::pair<std::string, std::string>> headers;  // name as written, unfolded value
  std::vector<std::string> raw_header_lines;
  std::string body;

  /// First header of that name (case-insensitive); empty when absent.
  std::string get(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n.size() != name.size()) continue;
      bool eq = true;
      for (std::size_t i = 0; i < n.size(); ++i)
        eq = eq && std::tolower(static_cast<unsigned char>(n[i])) ==
                       std::tolower(static_cast<unsigned char>(name[i]));
      if (eq) return v;
    }
    return {};
  }
  bool has(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      std::string a, b(name);
      for (char c : n) a += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (char& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (a == b) return true;
    }
    return false;
  }
};

/// Splits a message (or MIME part) into unfolded headers and body.
inline Parsed parse_message(std::string_view msg) {
  Parsed p;
  auto sep = msg.find("\r\n\r\n");
  if (sep == std::string_view::npos) throw std::runtime_error("no header/body separator");
  p.body = std::string(msg.substr(sep + 4));
  p.raw_header_lines = lines(msg.substr(0, sep + 2));
  for (const auto& l : p.raw_header_lines) {
    if (!l.empty() && (l[0] == ' ' || l[0] == '\t')) {
      if (p.headers.empty()) throw std::runtime_error("continuation before first header");
      p.headers.back().second += l;  // unfolding removes only the CRLF
      continue;
    }
    auto colon = l.find(':');
    if (colon == std::string::npos) throw std::runtime_error("bad header line: " + l);
    std::string value = l.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    p.headers.emplace_back(l.substr(0, colon), value);
  }
  return p;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// RFC 2045 §6.7 decoding: soft breaks removed, =XX decoded, hard breaks kept as CRLF.
inline std::string decode_qp(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out += s[i];
      continue;
    }
    if (s.substr(i + 1, 2) == "\r\n") {
      i += 2;
      continue;
    }
    if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
      throw std::runtime_error("bad quoted-printable escape");
    out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
    i += 2;
  }
  return out;
}

inline std::string decode_base64(std::string_view s) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) throw std::runtime_error("bad base64");
    buf = (buf << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

/// Decodes an unfolded header value made of "=?UTF-8?B?…?=" words separated by white space
/// (which RFC 2047 §6.2 says to drop between adjacent encoded-words).
inline std::string decode_words(std::string_view v) {
  std::string out;
  std::size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    if (i >= v.size()) break;
    if (v.substr(i, 10) != "=?UTF-8?B?") throw std::runtime_error("not an encoded-word");
    auto end = v.find("?=", i + 10);
    if (end == std::string_view::npos) throw std::runtime_error("unterminated encoded-word");
    out += decode_base64(v.substr(i + 10, end - i - 10));
    i = end + 2;
  }
  return out;
}

/// LF or lone CR → CRLF (what the connector promises to do to a body).
inline std::string crlf(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += "\r\n";
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else if (s[i] == '\n') {
      out += "\r\n";
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace steward::email::test
