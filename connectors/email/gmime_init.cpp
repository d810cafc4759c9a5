#include "connectors/email/gmime_init.hpp"

#include <gmime/gmime.h>

#include <mutex>

namespace steward::email {

void ensure_gmime() {
  static std::once_flag once;
  // Never shut down: GMime's tables live as long as the process, like the threads using them.
  std::call_once(once, [] { g_mime_init(); });
}

}  // namespace steward::email
