#include "connectors/email/maildir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include "connectors/common/crypto.hpp"
#include "connectors/email/message.hpp"

namespace steward::email {

namespace fs = std::filesystem;

namespace {

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

Unexpected disk_error(std::string_view what, const fs::path& path, int err) {
  return fail(Errc::kUnavailable, "maildir: " + std::string(what) + " " + path.string() + ": " +
                                      std::generic_category().message(err));
}

// Best effort: makes a directory entry change (create, rename) durable.
void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

[[nodiscard]] Expected<void> write_synced(const fs::path& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return disk_error("cannot create", path, errno);
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return disk_error("cannot write", path, err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return disk_error("cannot fsync", path, err);
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return disk_error("cannot close", path, err);
  }
  return {};
}

// Moves `from` to `to` unless `to` exists. Returns false (and removes `from`) when it exists.
[[nodiscard]] Expected<bool> rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  int err = errno;
  if (err == EINVAL || err == ENOSYS) {
    // File systems without RENAME_NOREPLACE: link() also refuses to replace.
    if (::link(from.c_str(), to.c_str()) == 0) {
      ::unlink(from.c_str());
      return true;
    }
    err = errno;
  }
  if (err == EEXIST) {
    ::unlink(from.c_str());
    return false;
  }
  ::unlink(from.c_str());
  return disk_error("cannot move message to", to, err);
}

}  // namespace

MaildirExecutor::MaildirExecutor(MaildirOptions options)
    : MaildirExecutor(std::move(options), system_clock()) {}

MaildirExecutor::MaildirExecutor(MaildirOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

std::vector<std::string> MaildirExecutor::kinds() const { return {"email.send"}; }

Expected<ActionResult> MaildirExecutor::execute(const Action& action,
                                                std::string_view idempotency_key) {
  if (action.kind != "email.send")
    return fail(Errc::kPermanent, "maildir: cannot execute '" + action.kind + "'");

  ComposeContext ctx;
  ctx.from = options_.from;
  ctx.message_id_domain = options_.message_id_domain;
  ctx.idempotency_key = std::string(idempotency_key);
  ctx.date = clock_.now();
  ctx.reply = options_.reply;
  auto mail = compose_email(action.fields, ctx);
  if (!mail) return Unexpected(mail.error());

  const fs::path tmp_dir = options_.dir / "tmp";
  const fs::path new_dir = options_.dir / "new";
  for (const auto& d : {tmp_dir, new_dir, options_.dir / "cur"}) {
    std::error_code ec;
    fs::create_directories(d, ec);
    if (ec) return disk_error("cannot create directory", d, ec.value());
  }

  const std::string name = safe_key(idempotency_key);
  const fs::path target = new_dir / (name + ".eml");
  ActionResult result;
  result.detail["file"] = target.string();
  result.detail["message_id"] = mail->message_id;

  std::error_code ec;
  if (fs::exists(target, ec)) {
    result.detail["duplicate"] = true;
    return result;
  }
  // A unique temporary name keeps two concurrent runs of one key from sharing a file; the
  // no-replace rename then lets exactly one of them land.
  const fs::path temp = tmp_dir / (name + "." + connectors::random_hex(6) + ".eml");
  auto written = write_synced(temp, mail->data);
  if (!written) return Unexpected(written.error());
  auto moved = rename_no_replace(temp, target);
  if (!moved) return Unexpected(moved.error());
  if (!*moved) {
    result.detail["duplicate"] = true;
    return result;
  }
  fsync_dir(new_dir);
  return result;
}

}  // namespace steward::email
