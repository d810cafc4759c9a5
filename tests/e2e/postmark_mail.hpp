#pragma once
// An inbound email as Postmark's inbound webhook posts it, and its Basic credentials: what the
// end-to-end tests send to POST /hooks/email/postmark.

#include <boost/json.hpp>
#include <string>

#include "connectors/common/crypto.hpp"

namespace steward::testing {

inline std::string basic_auth(const std::string& user, const std::string& pass) {
  return "Basic " + connectors::base64_encode(user + ":" + pass);
}

/// From Ann Customer <ann@customer.example> to support@acme.example.
inline boost::json::object postmark_mail(const std::string& message_id, const std::string& subject,
                                         const std::string& text,
                                         boost::json::array extra_headers = {}) {
  boost::json::array headers{{{"Name", "Message-ID"}, {"Value", "<" + message_id + ">"}},
                             {{"Name", "Date"}, {"Value", "Sat, 21 Nov 2026 09:00:00 +0000"}}};
  for (auto& h : extra_headers) headers.push_back(h);
  return {
      {"From", "ann@customer.example"},
      {"FromName", "Ann Customer"},
      {"FromFull",
       {{"Email", "ann@customer.example"}, {"Name", "Ann Customer"}, {"MailboxHash", ""}}},
      {"To", "support@acme.example"},
      {"ToFull",
       boost::json::array{{{"Email", "support@acme.example"}, {"Name", ""}, {"MailboxHash", ""}}}},
      {"Cc", ""},
      {"CcFull", boost::json::array{}},
      {"Subject", subject},
      {"MessageID", "8f3e3c2a-postmark-id"},
      {"Date", "Sat, 21 Nov 2026 09:00:00 +0000"},
      {"TextBody", text},
      {"HtmlBody", ""},
      {"StrippedTextReply", ""},
      {"Headers", headers},
      {"Attachments", boost::json::array{}}};
}

}  // namespace steward::testing
