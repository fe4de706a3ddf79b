#pragma once

// The master process: owns the config, the listening sockets, the pools and their
// children, and the error log. Never runs PHP requests itself.

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "master/fork_spawner.h"
#include "master/keepalive_broker.h"
#include "master/memory_governor.h"
#include "master/pool.h"
#include "master/request_queue.h"
#include "master/shutdown_ladder.h"
#include "master/supervisor.h"
#include "net/inherited_sockets.h"
#include "os/clock.h"
#include "os/event_loop.h"
#include "os/signals.h"
#include "os/systemd_notify.h"
#include "status/server.h"

namespace fpmd::master {

struct MasterOptions {
  /// How the config was loaded, so a reload reads it again the same way.
  config::LoadOptions load;
  /// The command line to re-exec on reload (argv[0] resolved to a path).
  std::vector<std::string> argv;
  bool running_as_root = false;
  /// Daemon start-up: the master writes "1" (ready) or "0" (failed) here, then closes it.
  int ready_fd = -1;
};

class Master {
 public:
  Master(config::Config config, MasterOptions options, const os::Clock& clock);
  ~Master();

  /// Opens the listeners, starts the workers and runs the loop until a stop. Returns the
  /// exit code. A reload does not return: it re-executes the binary.
  int run();

 private:
  Status openListeners(net::InheritedSockets& inherited);
  /// pm.status_listen: the sockets the master answers status and ping on itself.
  Status openStatusListeners(net::InheritedSockets& inherited);
  /// The CGI response to one request on `pool`'s status socket.
  std::string answerStatusRequest(const Pool& pool, const cgi::Params& params) const;
  /// RSS and PSS of the workers, from /proc, into their scoreboard slots.
  void sampleWorkerMemory();
  /// In a new worker, before anything else: what the master holds that it must not.
  void closeMasterFdsInChild(const Pool& own_pool);

  void onSignals();
  /// PHP-FPM's 1-s heartbeat: scoreboards, memory samples, the process manager.
  void onTick();
  void signalChildren(int signal);
  /// request_terminate_timeout: SIGTERM to a worker whose request ran too long.
  void checkRequestTimeouts();
  /// request_slowlog_timeout: PHP-FPM's warning, the worker's PHP stack to the slowlog.
  void traceSlowRequest(Pool& pool, Child& child, const scoreboard::Slot& slot, int64_t elapsed);
  /// How often checkRequestTimeouts runs (PHP-FPM: a third of the smallest timeout,
  /// at least 130 ms); 0 when no pool has a timeout.
  int64_t timeoutHeartbeatMicros() const;
  /// [global] rlimit_files, rlimit_core and process.priority, for the master itself.
  void applyGlobalLimits();

  void requestState(pm::MasterState requested);
  void reloadRequested();
  void reopenLogs();
  [[noreturn]] void execForReload();
  void notifyReady(bool ok);
  void writePidFile();
  void removePidFile();

  config::Config config_;
  MasterOptions options_;
  const os::Clock& clock_;
  os::SignalChannel signals_;
  os::EventLoop loop_;
  std::vector<std::unique_ptr<Pool>> pools_;
  // The parts, each owning its state; they reach the rest through the hooks they are given.
  ForkSpawner spawner_;
  os::HostMemoryProbe host_probe_;  // the memory cgroup (or host) the pools live in
  MemoryGovernor governor_;
  Supervisor supervisor_;
  KeepAliveBroker broker_;
  RequestQueue request_queue_;
  ShutdownLadder ladder_;
  struct StatusEndpoint {
    std::string key;  // the address as FPM_SOCKETS names it, so a reload keeps the socket
    std::unique_ptr<status::StatusServer> server;
  };
  std::vector<StatusEndpoint> status_endpoints_;
  /// Which workers sampleWorkerMemory() reads next, when there are too many for one tick.
  size_t memory_cursor_ = 0;
  os::SystemdNotifier systemd_{0};
  os::Timer tick_timer_;
  os::Timer timeout_timer_;
  os::Timer systemd_timer_;
  bool running_ = true;
  int exit_code_ = 0;
};

}  // namespace fpmd::master
