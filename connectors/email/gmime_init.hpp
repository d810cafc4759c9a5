#pragma once
// GMime must be initialised once per process before any other GMime call.

namespace steward::email {

/// Calls g_mime_init() exactly once (thread-safe, cheap after the first call). Every function
/// of this module that touches GMime calls it first.
void ensure_gmime();

}  // namespace steward::email
