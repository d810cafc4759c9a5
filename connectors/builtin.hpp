#pragma once
// The connectors this build of Steward ships.

#include "connectors/common/module.hpp"

namespace steward::connectors {

/// A fresh module of every built-in connector, in start-up order. Adding a connector: a folder
/// connectors/<name>/ with its config.{hpp,cpp}, parsing and <name>_connector.cpp, and one
/// line in builtin.cpp (docs/adding-a-connector.md).
Modules builtin();

}  // namespace steward::connectors
