#pragma once

// A pool as the master runs it: its config, listening socket, scoreboard and children.

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>

#include "common/unique_fd.h"
#include "config/config.h"
#include "log/access_log.h"
#include "log/failure_episode.h"
#include "master/pm/pm_policy.h"
#include "master/pm/spawn_backoff.h"
#include "master/worker_output.h"
#include "net/allowed_clients.h"
#include "net/listen_address.h"
#include "php/engine.h"
#include "scoreboard/scoreboard.h"

namespace fpmd::master {

/// A worker process as the master sees it. Owns the read ends of its output pipes and
/// its scoreboard slot (released when the child is buried).
struct Child {
  pid_t pid = 0;
  int slot = -1;
  int64_t started_us = 0;
  bool startup = false;  // spawned at start-up (logged at DEBUG, not NOTICE)
  /// request_started_us of the request this child was terminated for (logged once).
  int64_t terminated_request_us = 0;
  /// request_started_us of the request whose stack went to the slowlog (traced once).
  int64_t slowlogged_request_us = 0;
  /// Sent SIGQUIT by the process manager (idle surplus): not replaced when it exits.
  bool stopped_by_pm = false;
  /// Sent SIGQUIT by the memory governor while busy (the pool's budget or the host guard):
  /// it finishes its request, and is replaced when memory allows.
  bool recycled_for_memory = false;
  /// The slot's request count when the memory governor last looked, so each request's
  /// size is recorded once.
  uint64_t requests_seen = 0;
  UniqueFd stdout_pipe;
  UniqueFd stderr_pipe;
  /// Both pipes' lines (catch_workers_output): one pending line per child, as in PHP-FPM.
  std::unique_ptr<WorkerOutput> output;
};

struct Pool {
  config::PoolConfig config;
  net::ListenAddress address;
  UniqueFd listener;
  net::AllowedClients allowed;
  php::PoolPhpSettings php;
  std::unique_ptr<scoreboard::Scoreboard> scoreboard;
  std::map<pid_t, std::unique_ptr<Child>> children;
  /// Replacements held back by the crash-loop back-off, forked when it allows.
  int deferred_spawns = 0;
  /// Keep-alive without pinning: workers give idle kept-alive connections back on
  /// handback_*, the master passes them on through dispatch_* when they become readable.
  UniqueFd handback_master, handback_worker;
  UniqueFd dispatch_master, dispatch_worker;
  /// request_queue_timeout (else invalid): the master accepts and queues the pool's
  /// connections. A free worker adds one to queue_credits (an eventfd) for each
  /// connection it wants; queue_waiting (an eventfd) is readable while some wait, so a
  /// worker holding an idle kept connection gives it up for them.
  UniqueFd queue_credits, queue_waiting;
  /// access.log, opened by the master (workers inherit the fd), and its parsed format.
  UniqueFd access_log;
  /// The slowlog refused an entry (a full disk): said once, until one is written again.
  log::FailureEpisode slowlog_failure;
  std::optional<log::AccessFormat> access_format;
  pm::PoolSettings pm_settings;
  pm::PmState pm_state;
  pm::SpawnBackoff backoff;
  /// The memory governor refused a worker: said once, until one is started again.
  log::FailureEpisode memory_refusal;

  const std::string& name() const { return config.name; }
};

}  // namespace fpmd::master
