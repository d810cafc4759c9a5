#pragma once
// Who an email address belongs to. Mail systems deliver "Dana+x@Example.com" to the mailbox
// "dana@example.com", so any check that asks "is this the same person?" (four-eyes, conversation
// participants, reply tokens) must compare mailboxes, not the text of addresses.

#include <string>
#include <string_view>

namespace steward {

/// The bare addr-spec of "Name <addr>", "<addr>" or "addr", trimmed of blanks. Pure.
std::string_view bare_address(std::string_view text);

/// The mailbox an address delivers to, for identity comparisons: the bare addr-spec,
/// ASCII-lower-cased, with sub-addressing removed from the local part ("+tag" — the separator
/// every major provider uses). "" when the text holds no plausible address (no '@', empty local
/// part or domain). Pure, thread-safe.
///   mailbox_identity("Dana <Dana+Leads@Gmail.Example>") == "dana@gmail.example"
std::string mailbox_identity(std::string_view address);

/// True when both name the same mailbox (both non-empty after mailbox_identity). Pure.
bool same_mailbox(std::string_view a, std::string_view b);

}  // namespace steward
