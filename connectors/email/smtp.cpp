#include "connectors/email/smtp.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <exception>
#include <utility>

#include "bot/core/printable.hpp"
#include "bot/core/text.hpp"
#include "connectors/common/crypto.hpp"

namespace steward::email {

namespace {

constexpr std::size_t kMaxIdleHandles = 8;

void global_init() {
  static std::once_flag once;
  // Never cleaned up: handles may live as long as the process (and other modules may use curl).
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool has_crlf_or_nul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// A bare addr-spec for the envelope: printable ASCII, no spaces or brackets, one '@'.
bool is_envelope_address(std::string_view a) {
  if (a.empty() || a.size() > 254) return false;
  for (char c : a) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '<' || c == '>') return false;
  }
  auto at = a.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < a.size() &&
         a.find('@', at + 1) == std::string_view::npos;
}

// What one perform() hears and reads. Lives on send()'s stack; the handle's callbacks are
// detached again before send() returns.
struct Transfer {
  std::string_view data;
  std::size_t offset = 0;
  // The server's latest replies, one entry per line each. Several are kept because libcurl
  // may talk on after the reply that failed the transaction (QUIT → 221 when it closes).
  std::vector<std::vector<std::string>> replies;
  bool reply_done = true;  // the latest reply's final line ("NNN ") has arrived
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  std::size_t n = std::min(size * nitems, t->data.size() - t->offset);
  std::copy_n(t->data.data() + t->offset, n, buffer);
  t->offset += n;
  return n;
}

// Only CURLINFO_HEADER_IN (what the server says) is looked at: the outgoing side carries AUTH.
int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* userdata) {
  if (type != CURLINFO_HEADER_IN) return 0;
  auto* t = static_cast<Transfer*>(userdata);
  std::string_view chunk(data, size);
  while (!chunk.empty()) {
    auto eol = chunk.find('\n');
    std::string_view line = chunk.substr(0, eol);
    chunk = eol == std::string_view::npos ? std::string_view{} : chunk.substr(eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (t->reply_done) {
      if (t->replies.size() == 8) t->replies.erase(t->replies.begin());
      t->replies.emplace_back();
    }
    if (t->replies.back().size() < 16) t->replies.back().emplace_back(line.substr(0, 512));
    // "250-…" continues a multi-line reply, "250 …" (or a bare "250") ends it.
    t->reply_done = !(line.size() > 3 && line[3] == '-');
  }
  return 0;
}

// "NNN text" lines of one reply → the text after the codes, joined by spaces.
std::string reply_text(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    std::string_view t(l);
    if (t.size() >= 3 && std::isdigit(static_cast<unsigned char>(t[0])) &&
        std::isdigit(static_cast<unsigned char>(t[1])) &&
        std::isdigit(static_cast<unsigned char>(t[2])))
      t.remove_prefix(std::min<std::size_t>(4, t.size()));
    if (t.empty()) continue;
    if (!out.empty()) out += ' ';
    // The server's words end up in logs, the audit and Slack alerts.
    out += printable(t, 512);
  }
  return out;
}

int reply_code(const std::vector<std::string>& lines) {
  if (lines.empty()) return 0;
  const auto& l = lines.back();
  if (l.size() < 3) return 0;
  int code = 0;
  for (int i = 0; i < 3; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(l[i]))) return 0;
    code = code * 10 + (l[i] - '0');
  }
  return code;
}

struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

struct SmtpClient::Impl {
  std::string curl_url;  // "smtp://host:port", never credentials
  std::string username;
  Secret password;
  long use_ssl = CURLUSESSL_ALL;
  std::string ca_file;
  long connect_timeout_ms = 10000;
  long timeout_ms = 60000;
  std::vector<std::string> scrub;  // secrets to cut out of any server text we pass on

  std::mutex mu;
  std::vector<CURL*> idle;

  ~Impl() {
    for (CURL* h : idle) curl_easy_cleanup(h);
  }

  /// A handle, and whether it comes from the pool (and may hold a kept-alive connection).
  std::pair<CURL*, bool> acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return {h, true};
      }
    }
    return {curl_easy_init(), false};
  }

  // A handle whose last transaction went through keeps its connection for the next send;
  // after a failure the connection's state is unknown, so the handle (and it) is dropped.
  void release(CURL* h, bool reusable) {
    if (reusable) {
      std::lock_guard lock(mu);
      if (idle.size() < kMaxIdleHandles) {
        idle.push_back(h);
        return;
      }
    }
    curl_easy_cleanup(h);
  }

  std::string clean(std::string text) const {
    for (const auto& s : scrub) {
      for (auto at = text.find(s); at != std::string::npos;
           at = text.find(s, at + Secret::redacted().size()))
        text.replace(at, s.size(), std::string(Secret::redacted()));
    }
    return text;
  }
};

SmtpClient::SmtpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmtpClient::~SmtpClient() = default;

Expected<std::unique_ptr<SmtpClient>> SmtpClient::create(SmtpOptions options) {
  // Error messages here name the problem, never the URL (it may carry credentials).
  auto impl = std::make_unique<Impl>();
  try {
    auto parsed = boost::urls::parse_uri(options.url.reveal());
    if (!parsed) return fail(Errc::kInternal, "smtp: smtp_url is not a valid URL");
    const boost::urls::url_view& u = *parsed;
    const std::string scheme = lower(u.scheme());
    if (scheme != "smtp" && scheme != "smtps")
      return fail(Errc::kInternal, "smtp: smtp_url scheme must be smtp or smtps");
    const bool implicit_tls = scheme == "smtps";
    if (!u.has_authority() || u.encoded_host().empty())
      return fail(Errc::kInternal, "smtp: smtp_url has no host");
    if (!(u.encoded_path().empty() || u.encoded_path() == "/") || u.has_query() || u.has_fragment())
      return fail(Errc::kInternal, "smtp: smtp_url must not have a path, query or fragment");

    std::string host;
    bool loopback = false;
    switch (u.host_type()) {
      case boost::urls::host_type::ipv4:
        host = u.host_address();
        loopback = u.host_ipv4_address().is_loopback();
        break;
      case boost::urls::host_type::ipv6:
        host = "[" + std::string(u.host_address()) + "]";
        loopback = u.host_ipv6_address().is_loopback();
        break;
      case boost::urls::host_type::name: {
        host = lower(u.host_address());
        if (host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") != std::string::npos)
          return fail(Errc::kInternal, "smtp: smtp_url host is not a host name");
        loopback = host == "localhost";
        break;
      }
      default: return fail(Errc::kInternal, "smtp: smtp_url host is not supported");
    }

    unsigned port = implicit_tls ? 465 : 587;
    if (u.has_port()) {
      // port_number() wraps values above 65535, so the digits are read here.
      const auto digits = u.port();
      unsigned long value = 0;
      bool ok = !digits.empty() && digits.size() <= 5;
      for (char c : digits) {
        ok = ok && c >= '0' && c <= '9';
        value = value * 10 + static_cast<unsigned long>(c - '0');
      }
      if (!ok || value == 0 || value > 65535)
        return fail(Errc::kInternal, "smtp: smtp_url port is not valid");
      port = static_cast<unsigned>(value);
    }

    if (u.has_userinfo()) {
      impl->username = u.user();
      if (u.has_password()) impl->password = Secret(u.password());
    }
    if (!options.username.empty()) impl->username = options.username;
    if (!options.password.empty()) impl->password = options.password;
    if (!impl->password.empty() && impl->username.empty())
      return fail(Errc::kInternal, "smtp: a password needs a user name");
    if (has_crlf_or_nul(impl->username) || has_crlf_or_nul(impl->password.reveal()))
      return fail(Errc::kInternal, "smtp: credentials contain CR, LF or NUL");

    impl->curl_url = scheme + "://" + host + ":" + std::to_string(port);
    // smtps is TLS from the first byte. smtp upgrades with STARTTLS: required unless the host
    // is loopback (tests, a local MTA) or the operator allowed plain text to a trusted relay.
    impl->use_ssl = implicit_tls || !(loopback || options.allow_plain)
                        ? static_cast<long>(CURLUSESSL_ALL)
                        : static_cast<long>(CURLUSESSL_TRY);
  } catch (const std::exception&) {
    return fail(Errc::kInternal, "smtp: smtp_url could not be read");
  }

  if (!options.ca_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.ca_file, ec))
      return fail(Errc::kInternal, "smtp: ca_file " + options.ca_file.string() + " is not a file");
    impl->ca_file = options.ca_file.string();
  }
  if (options.connect_timeout.count() <= 0 || options.timeout.count() <= 0)
    return fail(Errc::kInternal, "smtp: timeouts must be positive");
  impl->connect_timeout_ms = static_cast<long>(options.connect_timeout.count());
  impl->timeout_ms = static_cast<long>(options.timeout.count());

  // Server text is echoed into errors; make sure no form of the password could ride along.
  if (impl->password.reveal().size() >= 4) {
    std::string pass(impl->password.reveal());
    impl->scrub.push_back(pass);
    impl->scrub.push_back(connectors::base64_encode(pass));
    impl->scrub.push_back(
        connectors::base64_encode(std::string(1, '\0') + impl->username + '\0' + pass));
  }

  global_init();
  return std::unique_ptr<SmtpClient>(new SmtpClient(std::move(impl)));
}

std::string SmtpClient::describe() const { return impl_->curl_url; }

Expected<SmtpReply> SmtpClient::send(std::string_view envelope_from,
                                     const std::vector<std::string>& recipients,
                                     std::string_view data) {
  if (!is_envelope_address(envelope_from))
    return fail(Errc::kInvalidInput, "smtp: envelope sender is not an address");
  if (recipients.empty()) return fail(Errc::kInvalidInput, "smtp: no recipients");
  std::unique_ptr<curl_slist, SlistFree> rcpt;
  for (const auto& r : recipients) {
    if (!is_envelope_address(r))
      return fail(Errc::kInvalidInput, "smtp: recipient is not an address");
    curl_slist* next = curl_slist_append(rcpt.get(), ("<" + r + ">").c_str());
    if (!next) return fail(Errc::kInternal, "smtp: out of memory");
    (void)rcpt.release();
    rcpt.reset(next);
  }
  if (data.empty()) return fail(Errc::kInvalidInput, "smtp: empty message");

  struct Outcome {
    CURLcode rc = CURLE_OK;
    long code = 0;
    Transfer t;
    std::array<char, CURL_ERROR_SIZE> errbuf{};
  };
  // One transaction on handle `h`; the handle goes back to the pool or is dropped.
  auto attempt = [&](CURL* h, Outcome& o) {
    Transfer& t = o.t;
    t.data = data;
    char* errbuf = o.errbuf.data();
    const std::string from = "<" + std::string(envelope_from) + ">";
    curl_easy_setopt(h, CURLOPT_URL, impl_->curl_url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL, impl_->use_ssl);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!impl_->ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, impl_->ca_file.c_str());
    if (!impl_->username.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, impl_->username.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, std::string(impl_->password.reveal()).c_str());
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, &t);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, impl_->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, impl_->timeout_ms);
    // The transfer timeout does not cover closing: after a hung DATA, libcurl sends QUIT and
    // would wait its default 120 s for the reply, holding an outbox worker. Bound each reply.
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT,
                     static_cast<long>((impl_->timeout_ms + 999) / 1000));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, &on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &t);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);

    o.rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &o.code);

    // The handle outlives this frame (pool, or the QUIT sent by cleanup): nothing of it may
    // point here any more. The password copy above is gone already; curl keeps its own.
    curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, nullptr);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, nullptr);
    curl_easy_setopt(h, CURLOPT_READDATA, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, nullptr);
    impl_->release(h, o.rc == CURLE_OK);
  };

  auto [h, pooled] = impl_->acquire();
  if (!h) return fail(Errc::kInternal, "smtp: curl_easy_init failed");
  Outcome first;
  attempt(h, first);
  Outcome* out = &first;
  Outcome second;
  // A pooled connection the server has meanwhile closed (idle timeout: "421 Timeout", or a
  // reset) fails before any of the message was sent: try once more on a fresh connection.
  // Nothing was accepted, so this can never deliver twice.
  if (first.rc != CURLE_OK && pooled && first.t.offset == 0 &&
      (first.code == 421 || first.code == 0)) {
    CURL* fresh = curl_easy_init();
    if (!fresh) return fail(Errc::kInternal, "smtp: curl_easy_init failed");
    attempt(fresh, second);
    out = &second;
  }
  const CURLcode rc = out->rc;
  const long code = out->code;
  const Transfer& t = out->t;
  const char* errbuf = out->errbuf.data();

  // The server's words for `code`: the latest reply that carried it.
  std::string text;
  for (auto it = t.replies.rbegin(); it != t.replies.rend(); ++it) {
    if (reply_code(*it) == code) {
      text = impl_->clean(reply_text(*it));
      break;
    }
  }
  auto smtp_message = [&] {
    return "SMTP " + std::to_string(code) + (text.empty() ? "" : " " + text);
  };
  if (rc == CURLE_OK) return SmtpReply{static_cast<int>(code), std::move(text)};

  const std::string where = " (" + impl_->curl_url + ")";
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return fail(Errc::kUnavailable, "smtp: timed out" + where);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return fail(Errc::kInternal, "smtp: " + std::string(curl_easy_strerror(rc)) + where);
    default: break;
  }
  if (code >= 500 && code < 600) return fail(Errc::kPermanent, smtp_message());
  if (code >= 400 && code < 500) return fail(Errc::kUnavailable, smtp_message());
  std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(rc);
  if (rc == CURLE_USE_SSL_FAILED) detail = "the server does not offer STARTTLS (required)";
  return fail(Errc::kUnavailable, "smtp: " + impl_->clean(detail) + where);
}

SmtpExecutor::SmtpExecutor(std::unique_ptr<SmtpClient> client, ComposeContext compose,
                           const Clock& clock)
    : client_(std::move(client)), compose_(std::move(compose)), clock_(clock) {}

std::vector<std::string> SmtpExecutor::kinds() const { return {"email.send"}; }

Expected<ActionResult> SmtpExecutor::execute(const Action& action,
                                             std::string_view idempotency_key) {
  if (action.kind != "email.send")
    return fail(Errc::kPermanent, "smtp: cannot execute '" + action.kind + "'");
  if (!client_) return fail(Errc::kInternal, "smtp: no client");
  ComposeContext ctx = compose_;
  ctx.idempotency_key = std::string(idempotency_key);
  ctx.date = clock_.now();
  auto mail = compose_email(action.fields, ctx);
  if (!mail) return Unexpected(mail.error());
  auto from = parse_mailbox(compose_.from);  // compose_email() has accepted it already
  if (!from) return fail(Errc::kInternal, "smtp: [email] from is not usable");

  auto reply = client_->send(from->address, mail->recipients, mail->data);
  if (!reply) return Unexpected(reply.error());

  ActionResult result;
  result.detail["message_id"] = mail->message_id;
  boost::json::array recipients;
  for (const auto& r : mail->recipients) recipients.emplace_back(r);
  result.detail["recipients"] = std::move(recipients);
  result.detail["smtp"] =
      std::to_string(reply->code) + (reply->text.empty() ? "" : " " + reply->text);
  return result;
}

}  // namespace steward::email
