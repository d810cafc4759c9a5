#pragma once
// A connector before start-up: the config table it reads, what `steward check` says about it,
// and how `serve` builds it. Every module is listed once, in connectors/builtin.cpp.

#include <toml++/toml.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/connector.hpp"
#include "bot/core/expected.hpp"
#include "bot/toml/reader.hpp"

namespace steward::connectors {

/// @par Thread safety: used by the start-up thread only; the Connector it starts is the part
/// that runs concurrently.
class Module {
 public:
  virtual ~Module() = default;

  /// The top-level config table it reads: "slack" for [slack], "forms" for [forms.NAME].
  [[nodiscard]] virtual std::string_view section() const = 0;
  /// Reads its keys of that table through `reader` (the kernel may read other keys of the same
  /// table through the same reader; keys nobody read are reported after both). Called for
  /// every config file, with an empty table when the file has none. With reader.env() == kLiteral
  /// (an offline command, which never starts a connector) values are taken as written and not
  /// checked. Errors: kInvalidInput "FILE:LINE: key 'section.key': problem".
  [[nodiscard]] virtual Expected<void> read_config(const toml::table& table,
                                                   cfg::Reader& reader) = 0;
  /// Running without a config file: the embedded defaults (e.g. the demo form).
  virtual void use_embedded_defaults() {}
  /// Lines for `steward check` ("forms: 1"), validating what can be validated without
  /// contacting anything. Never contains a secret.
  [[nodiscard]] virtual Expected<std::string> describe() const = 0;
  /// The connector for `serve`, or nullptr when it is not configured. May block (e.g. Slack's
  /// auth.test); logs what it set up.
  [[nodiscard]] virtual Expected<std::unique_ptr<Connector>> start(ConnectorHost& host) = 0;
};

using Modules = std::vector<std::unique_ptr<Module>>;

}  // namespace steward::connectors
