#include "connectors/builtin.hpp"

#include "connectors/email/email_connector.hpp"
#include "connectors/forms/forms_connector.hpp"
#include "connectors/slack/slack_connector.hpp"

namespace steward::connectors {

Modules builtin() {
  Modules m;
  m.push_back(slack::make_module());
  m.push_back(forms::make_module());
  m.push_back(email::make_module());
  return m;
}

}  // namespace steward::connectors
