#include "connectors/slack/config.hpp"

namespace steward::slack {

[[nodiscard]] Expected<void> read_config(cfg::Reader& r, SlackConfig& out) {
  auto& c = out.client;
  c.bot_token = r.secret("bot_token");
  out.signing_secret = r.secret("signing_secret");
  c.api_base = r.string("api_base", c.api_base);
  c.timeout = r.duration("timeout", c.timeout);
  c.channel_interval = r.duration("channel_interval", c.channel_interval);
  // Checked by the kernel, which also reads it (approvals accept only response_urls under it).
  c.response_url_base = r.string("response_url_base", c.response_url_base);
  out.team_id = r.string("team_id");
  out.app_id = r.string("app_id");
  return r.status();
}

}  // namespace steward::slack
