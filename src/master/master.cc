#include "master/master.h"
#include "os/process_state.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

#include "common/fd_flags.h"
#include "log/log.h"
#include "net/fd_passing.h"
#include "net/listener.h"
#include "os/exit_status.h"
#include "os/process_title.h"
#include "php/engine.h"
#include "scoreboard/scoreboard.h"

namespace fpmd::master {
namespace {

constexpr int64_t kTickMicros = 1000000;  // PHP-FPM's 1 s maintenance heartbeat

// Whether the pools' workers run under more than one user (only root can switch).
/// Whether the pools run under different credentials: a user or a group of their own
/// (files readable by one group only are as private as files of one user).
bool poolsDifferInUser(const std::vector<config::PoolConfig>& pools, bool running_as_root) {
  const std::pair<uid_t, gid_t> own{::geteuid(), ::getegid()};
  std::optional<std::pair<uid_t, gid_t>> first;
  for (const config::PoolConfig& pool : pools) {
    const auto ids =
        running_as_root && pool.has_user ? std::pair<uid_t, gid_t>{pool.uid, pool.gid} : own;
    if (first && *first != ids) return true;
    first = ids;
  }
  return false;
}

php::PoolPhpSettings phpSettingsFor(const config::PoolConfig& pool, bool shared_by_users) {
  php::PoolPhpSettings settings;
  settings.check_cached_permissions = shared_by_users;
  settings.chrooted = !pool.chroot.empty();
  settings.pool_name = pool.name;
  for (const auto& value : pool.php_values)
    settings.php_values.push_back({value.name, value.value});
  for (const auto& value : pool.php_admin_values) {
    settings.php_admin_values.push_back({value.name, value.value});
  }
  settings.limit_extensions = pool.security_limit_extensions;
  return settings;
}

}  // namespace

Master::Master(config::Config config, MasterOptions options, const os::Clock& clock)
    : config_(std::move(config)),
      options_(std::move(options)),
      clock_(clock),
      loop_(clock),
      spawner_(options_.running_as_root,
               [this](const Pool& own_pool) {
                 signals_.resetInChild();
                 closeMasterFdsInChild(own_pool);
               }),
      host_probe_(os::HostMemoryProbe::pathsForThisProcess()),
      governor_(
          loop_, config_.global, pools_, [this] { return host_probe_.read(); },
          MemoryGovernor::Hooks{[this] { return ladder_.serving(); },
                                [](pid_t pid, int signal) { ::kill(pid, signal); }}),
      supervisor_(
          loop_, spawner_, config_.global, pools_,
          Supervisor::Hooks{[this] { return ladder_.serving(); },
                            [this] {
                              log::notice("Reloading in progress ...");
                              requestState(pm::MasterState::Reloading);
                            },
                            [this](Pool& pool) { return governor_.maySpawn(pool); },
                            [this](Pool& pool, const Child& child, const scoreboard::Slot& slot) {
                              governor_.onChildExit(pool, child, slot);
                            }}),
      broker_(loop_,
              KeepAliveBroker::Hooks{
                  [this] { return ladder_.serving(); },
                  [this](Pool& pool) { supervisor_.onConnectionQueued(pool); },
                  [this](Pool& pool, UniqueFd& fd) { return request_queue_.enqueue(pool, fd); }}),
      request_queue_(
          loop_, RequestQueue::Hooks{[this] { return ladder_.serving(); },
                                     [this](Pool& pool) { supervisor_.onConnectionQueued(pool); }}),
      ladder_(loop_, config_.global.process_control_timeout,
              [this](int signal) { signalChildren(signal); }),
      systemd_(config_.global.systemd_interval),
      tick_timer_(loop_, [this] { onTick(); }),
      timeout_timer_(loop_,
                     [this] {
                       checkRequestTimeouts();
                       timeout_timer_.armAfter(timeoutHeartbeatMicros());
                     }),
      systemd_timer_(loop_, [this] {
        systemd_.heartbeat(supervisor_.processCounts(), clock_.nowMicros());
        systemd_timer_.armAfter(systemd_.intervalMicros());
      }) {}

Master::~Master() = default;

Status Master::openListeners(net::InheritedSockets& inherited) {
  for (const config::PoolConfig& pool_config : config_.pools) {
    auto pool = std::make_unique<Pool>();
    pool->config = pool_config;
    // Parsed and checked by config::load(), which -t and a reload's validation also run.
    pool->address = pool_config.listen_address;
    pool->allowed = pool_config.listen_allowed;

    net::ListenOptions listen_options;
    listen_options.backlog = pool_config.listen_backlog;
    listen_options.mode = pool_config.listen_mode_bits;
    listen_options.owner = pool_config.listen_uid;
    listen_options.group = pool_config.listen_gid;

    pool->listener = inherited.take(pool->address.key());
    if (!pool->listener) {
      auto listener = net::openListener(pool->address, listen_options);
      if (!listener)
        return makeError(fmt::format("[pool {}] {}", pool_config.name, listener.error()));
      pool->listener = std::move(*listener);
    } else if (pool->address.isUnix()) {
      Status applied = net::applyUnixPermissions(pool->address.path, listen_options);
      if (!applied) return makeError(applied.error());
    }
    if (!pool_config.access_log.empty() && pool_config.access_format_items) {
      pool->access_format = *pool_config.access_format_items;
      pool->access_log.reset(
          ::open(pool_config.access_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
      if (!pool->access_log) {
        return makeError(fmt::format("failed to open access log ({}): {} ({})",
                                     pool_config.access_log, std::strerror(errno), errno));
      }
    }
    pool->pm_settings = pm::poolSettings(pool_config, os::usableCpus());
    if (!net::makeFdChannel(pool->handback_master, pool->handback_worker) ||
        !net::makeFdChannel(pool->dispatch_master, pool->dispatch_worker)) {
      return makeError(
          fmt::format("[pool {}] socketpair() failed: {}", pool_config.name, std::strerror(errno)));
    }
    if (pool_config.request_queue_timeout > 0) {
      pool->queue_credits.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
      pool->queue_waiting.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
      if (!pool->queue_credits || !pool->queue_waiting) {
        return makeError(
            fmt::format("[pool {}] eventfd() failed: {}", pool_config.name, std::strerror(errno)));
      }
    }
    // Workers wait on the listening socket and the dispatch channel together (epoll), so
    // their accept() must not block.
    if (!setNonBlocking(pool->listener.get())) {
      return makeError(fmt::format("[pool {}] fcntl(O_NONBLOCK) failed: {}", pool_config.name,
                                   std::strerror(errno)));
    }
    pool->php =
        phpSettingsFor(pool_config, poolsDifferInUser(config_.pools, options_.running_as_root));
    pool->scoreboard = std::make_unique<scoreboard::Scoreboard>(
        static_cast<size_t>(pool_config.pm_max_children), pool_config.name,
        static_cast<uint8_t>(pool_config.pm));
    pools_.push_back(std::move(pool));
  }
  return {};
}

void Master::onSignals() {
  while (int sig = signals_.next()) {
    log::debug("received {}", os::signalName(sig));
    switch (sig) {
      case SIGCHLD:
        supervisor_.reap();
        break;
      case SIGTERM:
      case SIGINT:
        if (ladder_.state() != pm::MasterState::Terminating) log::notice("Terminating ...");
        requestState(pm::MasterState::Terminating);
        break;
      case SIGQUIT:
        if (ladder_.state() != pm::MasterState::Terminating &&
            ladder_.state() != pm::MasterState::Finishing) {
          log::notice("Finishing ...");
        }
        requestState(pm::MasterState::Finishing);
        break;
      case SIGUSR1:
        reopenLogs();
        break;
      case SIGUSR2:
        reloadRequested();
        break;
      default:
        break;
    }
  }
}

void Master::applyGlobalLimits() {
  const config::GlobalConfig& global = config_.global;
  if (global.rlimit_files) {
    rlimit limit{static_cast<rlim_t>(*global.rlimit_files),
                 static_cast<rlim_t>(*global.rlimit_files)};
    if (::setrlimit(RLIMIT_NOFILE, &limit) < 0) {
      log::sysError(log::Level::Warning, "failed to set rlimit_files to {}", *global.rlimit_files);
    }
  }
  if (global.rlimit_core) {
    rlim_t value =
        *global.rlimit_core < 0 ? RLIM_INFINITY : static_cast<rlim_t>(*global.rlimit_core);
    rlimit limit{value, value};
    if (::setrlimit(RLIMIT_CORE, &limit) < 0) {
      log::sysError(log::Level::Warning, "failed to set rlimit_core");
    }
  }
  if (global.process_priority && options_.running_as_root &&
      ::setpriority(PRIO_PROCESS, 0, *global.process_priority) < 0) {
    log::sysError(log::Level::Warning, "Unable to set priority for the master process");
  }
}

void Master::requestState(pm::MasterState requested) {
  if (!ladder_.request(requested)) return;
  // A reload carries kept-alive connections to the next master; a stop closes them.
  if (ladder_.state() != pm::MasterState::Reloading) broker_.closeAll();
}

void Master::signalChildren(int signal) {
  for (auto& pool : pools_) {
    for (const auto& [pid, child] : pool->children) {
      log::debug("[pool {}] sending signal {} {} to child {}", pool->name(), signal,
                 os::signalName(signal), pid);
      ::kill(pid, signal);
    }
  }
  if (size_t alive = supervisor_.childCount(); alive > 0) {
    log::debug("{} child(ren) still alive", alive);
  }
}

void Master::onTick() {
  tick_timer_.armAfter(kTickMicros);
  sampleWorkerMemory();
  for (auto& endpoint : status_endpoints_) endpoint.server->sweep(clock_.nowMicros());
  broker_.retryPending();
  request_queue_.tick();
  supervisor_.tick();
}

// Each fd is closed by what owns it (reset()), so nothing in the child still holds a
// number that a later open() may reuse.
void Master::closeMasterFdsInChild(const Pool& own_pool) {
  loop_.closeInChild();
  host_probe_.closeInChild();
  for (const auto& endpoint : status_endpoints_) endpoint.server->closeFdsInChild();
  broker_.forgetInChild();
  request_queue_.forgetInChild();
  for (const auto& pool : pools_) {
    pool->handback_master.reset();
    if (pool.get() != &own_pool) {
      pool->access_log.reset();
      pool->listener.reset();
      pool->handback_worker.reset();
      pool->dispatch_worker.reset();
      // A worker keeps its own pool's sending end of the dispatch channel: it queues
      // kept connections whose next request has come there itself (worker::WorkerOptions).
      pool->dispatch_master.reset();
    }
    for (const auto& [pid, child] : pool->children) {
      child->stdout_pipe.reset();
      child->stderr_pipe.reset();
    }
  }
  // A worker's own log lines go to its stderr: the master relays them when
  // catch_workers_output is on, and they go to /dev/null otherwise, as in PHP-FPM.
  log::useStderrInChild();
}

void Master::reloadRequested() {
  if (!ladder_.serving()) return;
  // Validate first (nginx's transactional cycle): a bad file must not stop a running
  // server. PHP-FPM re-executes blindly and dies on a bad config.
  // Checked with the running master's logging: the new file's log_level and error_log are
  // applied by the new master (on_global), not by a check that may fail.
  config::LoadOptions check = options_.load;
  check.on_global = nullptr;
  check.test_only = false;
  Result<config::Config> fresh = config::load(check);
  if (!fresh) {
    log::error("reload aborted: the configuration is invalid; still serving with the running one");
    return;
  }
  log::notice("Reloading in progress ...");
  requestState(pm::MasterState::Reloading);
}

void Master::reopenLogs() {
  if (log::reopenFile()) {
    log::notice("error log file re-opened");
  } else {
    log::sysError(log::Level::Error, "unable to re-opened error log file");
  }
  bool any = false;
  bool failed = false;
  for (auto& pool : pools_) {
    if (!pool->access_log) continue;
    any = true;
    int fresh =
        ::open(pool->config.access_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fresh < 0) {
      failed = true;
      continue;
    }
    // Same fd number, new file: workers forked from now on write to it. The running
    // ones still hold the old file, so they are restarted gracefully (each finishes its
    // request first) and replaced.
    bool moved =
        ::dup2(fresh, pool->access_log.get()) >= 0 && setCloseOnExec(pool->access_log.get(), true);
    if (!moved)
      log::sysError(log::Level::Error, "[pool {}] dup2() of the access log failed", pool->name());
    ::close(fresh);
    for (const auto& [pid, child] : pool->children) ::kill(pid, SIGQUIT);
  }
  if (failed) {
    log::error("unable to re-opened access log file");
  } else if (any) {
    log::notice("access log file re-opened");
  }
}

void Master::execForReload() {
  std::map<std::string, int> sockets;
  for (auto& pool : pools_) {
    int fd = pool->listener.get();
    // Kept open across execv; without it the next master would bind anew.
    if (!setCloseOnExec(fd, false)) {
      log::sysError(log::Level::Error, "[pool {}] fcntl(FD_CLOEXEC) failed", pool->name());
    }
    sockets[pool->address.key()] = fd;
  }
  for (auto& endpoint : status_endpoints_) {
    int fd = endpoint.server->listenerFd();
    if (!setCloseOnExec(fd, false)) {
      log::sysError(log::Level::Error, "fcntl(FD_CLOEXEC) failed for {}", endpoint.key);
    }
    sockets[endpoint.key] = fd;
  }
  ::setenv(net::kInheritedSocketsEnv, net::formatInheritedSockets(sockets).c_str(), 1);
  for (auto& [pool, fd] : request_queue_.takeAll()) broker_.keepForCarry(*pool, std::move(fd));
  std::string kept = broker_.carry(pools_);
  if (!kept.empty()) ::setenv(net::kKeptConnectionsEnv, kept.c_str(), 1);
  std::string shown;
  for (const auto& arg : options_.argv)
    shown += fmt::format("{}\"{}\"", shown.empty() ? "" : ", ", arg);
  log::notice("reloading: execvp(\"{}\", {{{}}})", options_.argv[0], shown);
  std::vector<char*> argv;
  for (auto& arg : options_.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // The signals stay blocked across execvp: one that arrives while the next master starts
  // (loading PHP takes a while) waits for its signalfd instead of killing it with the
  // default action — a second SIGUSR2 right after a first must not take the pool down.
  ::execvp(argv[0], argv.data());
  log::sysError(log::Level::Alert, "execvp() failed");
  ::_exit(70);
}

void Master::notifyReady(bool ok) {
  if (options_.ready_fd < 0) return;
  const char* message = ok ? "1" : "0";
  ssize_t ignored = ::write(options_.ready_fd, message, 1);
  (void)ignored;
  ::close(options_.ready_fd);
  options_.ready_fd = -1;
}

void Master::writePidFile() {
  if (config_.global.pid.empty()) return;
  std::ofstream out(config_.global.pid, std::ios::trunc);
  if (!out) {
    log::sysError(log::Level::Error, "Unable to create the PID file ({}).", config_.global.pid);
    return;
  }
  out << ::getpid();
}

void Master::removePidFile() {
  if (!config_.global.pid.empty()) ::unlink(config_.global.pid.c_str());
}

int Master::run() {
  net::InheritedSockets inherited = net::InheritedSockets::fromEnvironment();
  Status opened = openListeners(inherited);
  if (opened) opened = openStatusListeners(inherited);
  inherited.closeUnclaimed();
  if (!opened) {
    log::error("{}", opened.error());
    log::error("FPM initialization failed");
    notifyReady(false);
    return 78;
  }
  applyGlobalLimits();
  writePidFile();
  // Start-up is over: from here on lines go to the error log only (PHP-FPM's
  // zlog_set_launched() comes before "fpm is running").
  log::setLaunched(true);
  log::notice("fpm is running, pid {}", ::getpid());
  os::setProcessTitle(fmt::format("fpmd: master process ({})", options_.load.path));
  loop_.add(signals_.fd(), EPOLLIN, [this](uint32_t) { onSignals(); });
  request_queue_.start(pools_);  // before adopt(): carried connections may join it
  broker_.adopt(pools_);         // owned before any fork, so no worker inherits one
  for (auto& pool : pools_) broker_.watchHandbacks(*pool);
  governor_.start();
  supervisor_.startPools();
  log::notice("ready to handle connections");
  notifyReady(true);
  systemd_.ready();
  if (systemd_.enabled() && systemd_.intervalMicros() > 0) {
    systemd_timer_.armAfter(systemd_.intervalMicros());
  }
  tick_timer_.armAfter(kTickMicros);
  if (timeoutHeartbeatMicros() > 0) timeout_timer_.armAfter(timeoutHeartbeatMicros());

  while (running_) {
    loop_.runOnce();
    if (!ladder_.serving() && supervisor_.childCount() == 0) {
      if (ladder_.state() == pm::MasterState::Reloading) execForReload();
      running_ = false;
    }
  }
  for (auto& pool : pools_) {
    if (pool->address.isUnix()) ::unlink(pool->address.path.c_str());
  }
  systemd_.stopping();
  removePidFile();
  log::notice("exiting, bye-bye!");
  return exit_code_;
}

}  // namespace fpmd::master
