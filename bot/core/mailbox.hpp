#pragma once
// What an email address is, its domain, and who it belongs to — one answer for the connectors,
// the rules engine, the agents and the config, so that a rule on a domain and the agent that
// proposed the action never disagree. Mail systems deliver "Dana+x@Example.com" to the mailbox
// "dana@example.com", so any check that asks "is this the same person?" (four-eyes, conversation
// participants, reply tokens) must compare mailboxes, not the text of addresses.

#include <string>
#include <string_view>

namespace steward {

/// The bare addr-spec of "Name <addr>", "<addr>" or "addr", trimmed of blanks. Pure.
std::string_view bare_address(std::string_view text);

/// True for a bare addr-spec we accept from outside and can hand on: one '@' after a non-empty
/// local part; a domain with a dot, none at either end and no two in a row; no blank, control,
/// "<>,;\\ or quote character; at most 254 bytes; and nothing printable() would escape (so
/// an address is safe as an event's actor or in a log line). Other UTF-8 ("jörg@müller.example")
/// passes. Pure.
bool is_email_address(std::string_view text);

/// is_email_address() and ASCII only: what plain SMTP (without SMTPUTF8) can carry. Pure.
bool is_ascii_email_address(std::string_view text);

/// The domain of "Name <addr>", "<addr>" or "addr", ASCII-lower-cased, a final '.' dropped:
/// the text after the last '@' ("first@middle@d.example" → "d.example"). "" when there is no
/// such domain: no '@', an empty local part or domain, a '<' without its '>', or a blank or
/// one of <>",; in the domain. Pure.
///   email_domain("Jane <jane@Acme.Example>") == "acme.example"
std::string email_domain(std::string_view address);

/// The mailbox an address delivers to, for identity comparisons: the bare addr-spec,
/// ASCII-lower-cased, with sub-addressing removed from the local part ("+tag" — the separator
/// every major provider uses). "" when the text holds no plausible address (no '@', empty local
/// part or domain). Pure, thread-safe.
///   mailbox_identity("Dana <Dana+Leads@Gmail.Example>") == "dana@gmail.example"
std::string mailbox_identity(std::string_view address);

/// True when both name the same mailbox (both non-empty after mailbox_identity). Pure.
bool same_mailbox(std::string_view a, std::string_view b);

}  // namespace steward
