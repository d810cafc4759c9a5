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

/// RFC 2047 §4.2 "Q" text: '_' is a space, =XX a byte.
inline std::string decode_q(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      out += ' ';
    } else if (s[i] == '=' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (s[i] == '=') {
      throw std::runtime_error("bad Q escape");
    } else {
      out += s[i];
    }
  }
  return out;
}

/// Decodes an unfolded header value that may mix plain text and RFC 2047 encoded-words
/// ("=?UTF-8?B?…?=" or "=?UTF-8?Q?…?=", charset name case-insensitive, only UTF-8 accepted).
/// White space between two adjacent encoded-words is dropped (RFC 2047 §6.2); any other text
/// is kept as it is.
inline std::string decode_words(std::string_view v) {
  std::string out;
  std::string pending_space;  // white space after an encoded-word, kept if plain text follows
  bool after_word = false;
  std::size_t i = 0;
  while (i < v.size()) {
    if (v.substr(i, 2) == "=?") {
      auto q1 = v.find('?', i + 2);
      if (q1 == std::string_view::npos || q1 + 2 >= v.size() || v[q1 + 2] != '?')
        throw std::runtime_error("malformed encoded-word");
      std::string charset(v.substr(i + 2, q1 - i - 2));
      for (char& c : charset) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (charset != "utf-8") throw std::runtime_error("encoded-word charset is " + charset);
      char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(v[q1 + 1])));
      auto end = v.find("?=", q1 + 3);
      if (end == std::string_view::npos) throw std::runtime_error("unterminated encoded-word");
      auto payload = v.substr(q1 + 3, end - q1 - 3);
      if (enc == 'B')
        out += decode_base64(payload);
      else if (enc == 'Q')
        out += decode_q(payload);
      else
        throw std::runtime_error("unknown encoding");
      pending_space.clear();
      after_word = true;
      i = end + 2;
      continue;
    }
    if (v[i] == ' ' || v[i] == '\t') {
      if (after_word)
        pending_space += v[i];
      else
        out += v[i];
      ++i;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    after_word = false;
    out += v[i++];
  }
  return out + pending_space;
}

/// The boundary parameter of a multipart Content-Type value ("" when none).
inline std::string boundary_of(std::string_view content_type) {
  auto at = content_type.find("boundary=");
  if (at == std::string_view::npos) return {};
  auto rest = content_type.substr(at + 9);
  if (!rest.empty() && rest.front() == '"') {
    auto close = rest.find('"', 1);
    return std::string(rest.substr(1, close == std::string_view::npos ? close : close - 1));
  }
  auto end = rest.find_first_of("; \t");
  return std::string(rest.substr(0, end));
}

/// The body parts of a multipart body (RFC 2046 §5.1.1: each delimiter is CRLF "--" boundary;
/// the CRLF before a delimiter belongs to it). Throws unless the close delimiter is present.
inline std::vector<std::string> split_parts(std::string_view body, const std::string& boundary) {
  const std::string delim = "--" + boundary;
  std::vector<std::string> parts;
  std::size_t pos;
  if (body.substr(0, delim.size()) == delim)
    pos = 0;
  else if ((pos = body.find("\r\n" + delim)) != std::string_view::npos)
    pos += 2;
  else
    throw std::runtime_error("no first delimiter");
  while (true) {
    auto line_end = body.find("\r\n", pos);
    if (line_end == std::string_view::npos) throw std::runtime_error("delimiter without CRLF");
    if (body.substr(pos + delim.size(), 2) == "--") return parts;  // close delimiter
    auto next = body.find("\r\n" + delim, line_end);
    if (next == std::string_view::npos) throw std::runtime_error("no close delimiter");
    parts.emplace_back(body.substr(line_end + 2, next - line_end - 2));
    pos = next + 2;
  }
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
