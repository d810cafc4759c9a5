#pragma once
// Names the calling thread (shown by top -H, perf, gdb): Steward's threads each do one job, and
// a profile is only readable when they say which.

#include <pthread.h>

namespace steward {

/// Sets the calling thread's name; Linux keeps at most 15 characters. Never fails loudly: a name
/// is a diagnostic aid only.
inline void name_this_thread(const char* name) noexcept {
  (void)pthread_setname_np(pthread_self(), name);
}

}  // namespace steward
