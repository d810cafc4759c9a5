#pragma once
// HMAC-SHA256, SHA-256, encodings and constant-time comparison shared by every connector.
// All functions are pure and thread-safe.

#include <string>
#include <string_view>

namespace steward::connectors {

/// Raw 32-byte HMAC-SHA256(key, message).
std::string hmac_sha256(std::string_view key, std::string_view message);
/// Raw 32-byte SHA-256(data).
std::string sha256(std::string_view data);
/// Lower-case hex of bytes.
std::string to_hex(std::string_view bytes);
/// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);
/// True when a and b are equal; time depends only on the length (lengths are not secret).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;
/// Cryptographically random bytes rendered as lower-case hex (2*bytes characters).
std::string random_hex(std::size_t bytes);

}  // namespace steward::connectors
