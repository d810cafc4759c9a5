#pragma once
// Names the calling thread (shown by top -H, perf, gdb): Steward's threads each do one job, and
// a profile is only readable when they say which. Also sets background threads' priority.

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace steward {

/// Sets the calling thread's name; Linux keeps at most 15 characters. Never fails loudly: a name
/// is a diagnostic aid only.
inline void name_this_thread(const char* name) noexcept {
  (void)pthread_setname_np(pthread_self(), name);
}

/// Lowers the calling thread's CPU priority by `nice` steps (Linux schedules threads
/// individually). Used for background work — planning and delivery — so that on a busy machine
/// accepting webhooks, which senders time out on, wins the CPU; an idle machine still runs the
/// background at full speed. Failure is ignored: the thread merely keeps its priority.
inline void lower_this_thread_priority(int nice) noexcept {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  (void)::setpriority(PRIO_PROCESS, tid, nice);
}

}  // namespace steward
