#pragma once

// A pool as the master runs it: its config, listening socket, scoreboard and children.

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>

#include "common/unique_fd.h"
#include "config/config.h"
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
  UniqueFd stdout_pipe;
  UniqueFd stderr_pipe;
  std::unique_ptr<WorkerOutput> stdout_log;
  std::unique_ptr<WorkerOutput> stderr_log;
};

struct Pool {
  config::PoolConfig config;
  net::ListenAddress address;
  UniqueFd listener;
  net::AllowedClients allowed;
  php::PoolPhpSettings php;
  std::unique_ptr<scoreboard::Scoreboard> scoreboard;
  std::map<pid_t, std::unique_ptr<Child>> children;
  /// Children to start at the next maintenance tick (respawns held back after a fast
  /// crash, so a worker that dies at start-up cannot make the master spin).
  int deferred_spawns = 0;

  const std::string& name() const { return config.name; }
  int wantedChildren() const { return config.pm_max_children; }
};

}  // namespace fpmd::master
