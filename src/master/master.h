#pragma once

// The master process: owns the config, the listening sockets, the pools and their
// children, and the error log. Never runs PHP requests itself.

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "master/pm/emergency_restart.h"
#include "master/pm/process_ctl.h"
#include "master/pool.h"
#include "net/inherited_sockets.h"
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
  Master(config::Config config, MasterOptions options);
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
  void startPools();
  bool spawn(Pool& pool, bool startup);
  [[noreturn]] void runChild(Pool& pool, int slot, UniqueFd stdout_fd, UniqueFd stderr_fd,
                             bool startup, pid_t master_pid);
  void closeMasterFdsInChild(const Pool& own_pool);

  void onSignals();
  void reapChildren();
  void buryChild(Pool& pool, pid_t pid, int status);
  void onChildOutput(Pool& pool, pid_t pid, bool is_stderr);
  void maintenance();
  /// The process manager: what the pool looks like now, and carrying out a decision.
  pm::PoolView poolView(const Pool& pool, int64_t now_us) const;
  void apply(Pool& pool, const pm::PmDecision& decision, int64_t now_us);
  /// An ondemand pool's socket became readable.
  void onConnectionsWaiting(Pool& pool);
  /// Keep-alive without pinning: connections workers gave back, held until the web
  /// server sends the next request on them.
  void onHandback(Pool& pool);
  void hold(Pool& pool, UniqueFd fd);
  /// Holds an idle kept-alive connection: watched until its next request comes.
  void watch(Pool& pool, UniqueFd fd);
  /// Reload: the held and undelivered connections, made to survive execv, as the
  /// FPMD_KEPT_CONNECTIONS value; the next master adopts them.
  std::string carryConnections();
  void adoptKeptConnections();
  void onHeldReadable(int fd);
  void dispatchPending();
  void closeHeldConnections();
  /// Replacements the crash-loop back-off held back, and the process manager's re-check
  /// of a queue that still waits (the ramp-up's 20-ms pacing).
  void spawnDeferred(int64_t now_us);
  int64_t nextDeferredSpawnUs() const;
  /// The 1-s scoreboard refresh PHP-FPM does: busiest moment, listen queue.
  void updateScoreboards();
  /// request_terminate_timeout: SIGTERM to a worker whose request ran too long.
  void checkRequestTimeouts();
  /// request_slowlog_timeout: PHP-FPM's warning, the worker's PHP stack to the slowlog.
  void traceSlowRequest(Pool& pool, Child& child, const scoreboard::Slot& slot, int64_t elapsed);
  /// How often checkRequestTimeouts runs (PHP-FPM: a third of the smallest timeout,
  /// at least 130 ms); 0 when no pool has a timeout.
  int64_t timeoutHeartbeatMicros() const;
  /// [global] rlimit_files, rlimit_core and process.priority, for the master itself.
  void applyGlobalLimits();
  os::ProcessCounts processCounts() const;

  void requestState(pm::MasterState requested);
  void sendEscalation();
  void reloadRequested();
  void reopenLogs();
  size_t childCount() const;
  [[noreturn]] void execForReload();
  void notifyReady(bool ok);
  void writePidFile();
  void removePidFile();

  config::Config config_;
  MasterOptions options_;
  os::SignalChannel signals_;
  os::EventLoop loop_;
  std::vector<std::unique_ptr<Pool>> pools_;
  struct HeldConnection {
    UniqueFd fd;
    Pool* pool;
  };
  std::map<int, HeldConnection> held_;
  /// Readable held connections the dispatch channel had no room for (rare): retried.
  std::vector<HeldConnection> pending_dispatch_;
  struct StatusEndpoint {
    std::string key;  // the address as FPM_SOCKETS names it, so a reload keeps the socket
    std::unique_ptr<status::StatusServer> server;
  };
  std::vector<StatusEndpoint> status_endpoints_;
  /// Which workers sampleWorkerMemory() reads next, when there are too many for one tick.
  size_t memory_cursor_ = 0;
  pm::MasterState state_ = pm::MasterState::Normal;
  int escalation_step_ = 0;
  int64_t next_escalation_us_ = 0;
  bool escalation_pending_ = false;
  int64_t next_tick_us_ = 0;
  int64_t next_timeout_check_us_ = 0;
  os::SystemdNotifier systemd_{0};
  pm::EmergencyRestart emergency_{0, 0};
  int64_t next_systemd_us_ = 0;
  bool running_ = true;
  int exit_code_ = 0;
};

}  // namespace fpmd::master
