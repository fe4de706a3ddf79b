// request_terminate_timeout and request_slowlog_timeout, checked on the timeout heartbeat.

#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>

#include "log/log.h"
#include "master/master.h"
#include "php/stack_reader.h"

namespace fpmd::master {

int64_t Master::timeoutHeartbeatMicros() const {
  int smallest = 0;
  for (const auto& pool : pools_) {
    for (int timeout :
         {pool->config.request_terminate_timeout, pool->config.request_slowlog_timeout}) {
      if (timeout > 0 && (smallest == 0 || timeout < smallest)) smallest = timeout;
    }
  }
  if (smallest == 0) return 0;
  return std::max<int64_t>(int64_t{smallest} * 1000000 / 3, 130000);
}

void Master::traceSlowRequest(Pool& pool, Child& child, const scoreboard::Slot& slot,
                              int64_t elapsed) {
  pid_t pid = child.pid;
  log::warning(
      "[pool {}] child {}, script '{}' (request: \"{} {}{}{}\") executing too slow "
      "({}.{:06d} sec), logging",
      pool.name(), pid, slot.script, slot.method, slot.uri, slot.query[0] ? "?" : "", slot.query,
      elapsed / 1000000, static_cast<int>(elapsed % 1000000));
  std::atomic_ref<uint64_t>(pool.scoreboard->header().slow_requests).fetch_add(1);
  // process_vm_readv reads the worker while it runs: unlike PHP-FPM's ptrace, nothing is
  // stopped, so there is no "stopped for tracing" line.
  log::notice("about to trace {}", pid);
  Result<php::StackTrace> trace = php::readStack(pid, pool.config.request_slowlog_trace_depth);
  if (!trace) {
    log::error("{}", trace.error());
  } else {
    timeval now{};
    ::gettimeofday(&now, nullptr);
    std::string entry =
        php::formatSlowlogEntry(pool.name(), pid, *trace, now, log::level() == log::Level::Debug);
    // Opened per trace, as PHP-FPM does: a rotated slowlog needs no reopen.
    UniqueFd file(
        ::open(pool.config.slowlog.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666));
    // A full disk is said once per episode, not at every slow request.
    if (!file) {
      if (pool.slowlog_failure.failed()) {
        log::sysError(log::Level::Error, "unable to open slowlog ({})", pool.config.slowlog);
      }
    } else if (::write(file.get(), entry.data(), entry.size()) < 0) {
      if (pool.slowlog_failure.failed()) {
        log::sysError(log::Level::Error, "unable to write to slowlog ({})", pool.config.slowlog);
      }
    } else if (pool.slowlog_failure.succeeded()) {
      log::notice("[pool {}] writing to the slowlog again", pool.name());
    }
  }
  log::notice("finished trace of {}", pid);
}

void Master::checkRequestTimeouts() {
  int64_t now = clock_.nowMicros();
  for (auto& pool : pools_) {
    int timeout = pool->config.request_terminate_timeout;
    int slow = pool->config.request_slowlog_timeout;
    if (timeout <= 0 && slow <= 0) continue;
    for (auto& [pid, child] : pool->children) {
      scoreboard::Slot slot = pool->scoreboard->readSlot(child->slot);
      if (slow > 0 && static_cast<cgi::Stage>(slot.stage) == cgi::Stage::Running &&
          slot.request_started_us != 0 && child->slowlogged_request_us != slot.request_started_us &&
          now - slot.request_started_us >= int64_t{slow} * 1000000) {
        child->slowlogged_request_us = slot.request_started_us;
        traceSlowRequest(*pool, *child, slot, now - slot.request_started_us);
      }
      if (timeout <= 0) continue;
      auto stage = static_cast<cgi::Stage>(slot.stage);
      // Reading headers is not counted: unlike PHP-FPM (bug 78405), a worker waiting on
      // an idle kept-alive connection is not "running a request".
      bool counted =
          stage == cgi::Stage::GettingRequestInfo || stage == cgi::Stage::Running ||
          (pool->config.request_terminate_timeout_track_finished && stage == cgi::Stage::Finishing);
      if (!counted || slot.request_started_us == 0) continue;
      int64_t elapsed = now - slot.request_started_us;
      if (elapsed < int64_t{timeout} * 1000000) continue;
      if (child->terminated_request_us == slot.request_started_us) continue;
      child->terminated_request_us = slot.request_started_us;
      log::warning(
          "[pool {}] child {}, script '{}' (request: \"{} {}{}{}\") execution timed out "
          "({}.{:06d} sec), terminating",
          pool->name(), pid, slot.script, slot.method, slot.uri, slot.query[0] ? "?" : "",
          slot.query, elapsed / 1000000, static_cast<int>(elapsed % 1000000));
      ::kill(pid, SIGTERM);
    }
  }
}

}  // namespace fpmd::master
