#include "master/master.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "log/log.h"
#include "master/recycle_jitter.h"
#include "net/fd_passing.h"
#include "net/listen_queue.h"
#include "net/listener.h"
#include "php/engine.h"
#include "php/stack_reader.h"
#include "scoreboard/scoreboard.h"
#include "worker/connection_source.h"
#include "worker/process_setup.h"
#include "worker/stop_flag.h"
#include "worker/worker.h"

namespace fpmd::master {
namespace {

constexpr int64_t kTickMicros = 1000000;  // PHP-FPM's 1 s maintenance heartbeat

std::string signalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : std::to_string(sig);
}

std::string describeExit(int status) {
  if (WIFEXITED(status)) return fmt::format("with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return fmt::format("on signal {} ({}{})", sig, signalName(sig),
                       WCOREDUMP(status) ? " - core dumped" : "");
  }
  return "abnormally";
}

bool exitedCleanly(int status) {
  return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
         (WIFSIGNALED(status) && WTERMSIG(status) == SIGQUIT);
}

php::PoolPhpSettings phpSettingsFor(const config::PoolConfig& pool) {
  php::PoolPhpSettings settings;
  settings.pool_name = pool.name;
  for (const auto& value : pool.php_values)
    settings.php_values.push_back({value.name, value.value});
  for (const auto& value : pool.php_admin_values) {
    settings.php_admin_values.push_back({value.name, value.value});
  }
  settings.limit_extensions = pool.security_limit_extensions;
  return settings;
}

/// listen.owner / listen.group (names or numbers) as ids; unset ones stay as created.
Result<std::pair<std::optional<uid_t>, std::optional<gid_t>>> resolveSocketOwner(
    const config::PoolConfig& pool) {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  if (!pool.listen_owner.empty()) {
    if (const passwd* pw = ::getpwnam(pool.listen_owner.c_str())) {
      uid = pw->pw_uid;
    } else if (std::all_of(pool.listen_owner.begin(), pool.listen_owner.end(), ::isdigit)) {
      uid = static_cast<uid_t>(std::stoul(pool.listen_owner));
    } else {
      return makeError(
          fmt::format("[pool {}] cannot get uid for user '{}'", pool.name, pool.listen_owner));
    }
  }
  if (!pool.listen_group.empty()) {
    if (const group* gr = ::getgrnam(pool.listen_group.c_str())) {
      gid = gr->gr_gid;
    } else if (std::all_of(pool.listen_group.begin(), pool.listen_group.end(), ::isdigit)) {
      gid = static_cast<gid_t>(std::stoul(pool.listen_group));
    } else {
      return makeError(
          fmt::format("[pool {}] cannot get gid for group '{}'", pool.name, pool.listen_group));
    }
  }
  return std::make_pair(uid, gid);
}

}  // namespace

Master::Master(config::Config config, MasterOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      systemd_(config_.global.systemd_interval),
      emergency_(config_.global.emergency_restart_threshold,
                 config_.global.emergency_restart_interval) {}

ProcessCounts Master::processCounts() const {
  ProcessCounts counts;
  for (const auto& pool : pools_) {
    for (const auto& [pid, child] : pool->children) {
      if (pool->scoreboard->stage(child->slot) == cgi::Stage::Idle) {
        counts.idle++;
      } else {
        counts.active++;
      }
    }
    counts.requests += pool->scoreboard->header().accepted_conn;
    counts.slow += pool->scoreboard->header().slow_requests;
  }
  return counts;
}

Master::~Master() = default;

size_t Master::childCount() const {
  size_t count = 0;
  for (const auto& pool : pools_) count += pool->children.size();
  return count;
}

Status Master::openListeners(net::InheritedSockets& inherited) {
  for (const config::PoolConfig& pool_config : config_.pools) {
    auto pool = std::make_unique<Pool>();
    pool->config = pool_config;
    auto address = net::parseListenAddress(pool_config.listen);
    if (!address) {
      return makeError(fmt::format("[pool {}] {}", pool_config.name, address.error()));
    }
    pool->address = *address;
    auto allowed = net::AllowedClients::parse(pool_config.listen_allowed_clients);
    if (!allowed) return makeError(fmt::format("[pool {}] {}", pool_config.name, allowed.error()));
    pool->allowed = *allowed;

    net::ListenOptions listen_options;
    listen_options.backlog = pool_config.listen_backlog;
    listen_options.mode =
        static_cast<mode_t>(std::strtol(pool_config.listen_mode.c_str(), nullptr, 8));
    auto owner = resolveSocketOwner(pool_config);
    if (!owner) return makeError(owner.error());
    listen_options.owner = owner->first;
    listen_options.group = owner->second;

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
    pool->pm_settings = poolSettings(pool_config);
    if (!net::makeFdChannel(pool->handback_master, pool->handback_worker) ||
        !net::makeFdChannel(pool->dispatch_master, pool->dispatch_worker)) {
      return makeError(
          fmt::format("[pool {}] socketpair() failed: {}", pool_config.name, std::strerror(errno)));
    }
    // Workers wait on the listening socket and the dispatch channel together (epoll), so
    // their accept() must not block.
    ::fcntl(pool->listener.get(), F_SETFL, ::fcntl(pool->listener.get(), F_GETFL) | O_NONBLOCK);
    pool->php = phpSettingsFor(pool_config);
    pool->scoreboard = std::make_unique<scoreboard::Scoreboard>(
        static_cast<size_t>(pool_config.pm_max_children), pool_config.name,
        static_cast<uint8_t>(pool_config.pm));
    pools_.push_back(std::move(pool));
  }
  return {};
}

void Master::startPools() {
  for (auto& pool : pools_) {
    Pool* handback_pool = pool.get();
    loop_.add(pool->handback_master.get(), EPOLLIN,
              [this, handback_pool](uint32_t) { onHandback(*handback_pool); });
    for (int i = 0; i < initialChildren(pool->pm_settings); ++i) {
      if (!spawn(*pool, true)) break;
    }
    if (pool->config.pm == config::PoolConfig::Pm::Ondemand) {
      // Edge-triggered: one wake-up per arrival, and the master never accepts: the
      // connection stays queued for the worker it forks (or an idle one).
      Pool* pool_ptr = pool.get();
      loop_.add(pool->listener.get(), EPOLLIN | EPOLLET,
                [this, pool_ptr](uint32_t) { onConnectionsWaiting(*pool_ptr); });
    }
  }
}

PoolView Master::poolView(const Pool& pool, int64_t now_us) const {
  PoolView view;
  view.now_us = now_us;
  for (const auto& [pid, child] : pool.children) {
    scoreboard::Slot slot = pool.scoreboard->readSlot(child->slot);
    WorkerView worker;
    worker.pid = pid;
    worker.idle = static_cast<cgi::Stage>(slot.stage) == cgi::Stage::Idle;
    worker.started_us = child->started_us;
    worker.last_activity_us =
        slot.request_ended_us != 0 ? slot.request_ended_us : child->started_us;
    worker.stopping = child->stopped_by_pm;
    view.workers.push_back(worker);
  }
  if (auto queue = net::listenQueue(pool.listener.get(), pool.address.isUnix())) {
    view.queued = static_cast<int>(queue->depth);
  }
  int process_max = config_.global.process_max;
  if (process_max > 0)
    view.process_max_room = std::max(0, process_max - static_cast<int>(childCount()));
  return view;
}

void Master::apply(Pool& pool, const PmDecision& decision, int64_t now_us) {
  for (const std::string& warning : decision.warnings) log::warning("{}", warning);
  if (decision.max_children_reached) {
    std::atomic_ref<uint64_t>(pool.scoreboard->header().max_children_reached).fetch_add(1);
  }
  for (pid_t pid : decision.stop) {
    auto it = pool.children.find(pid);
    if (it == pool.children.end() || it->second->stopped_by_pm) continue;
    it->second->stopped_by_pm = true;
    ::kill(pid, SIGQUIT);
  }
  int spawned = 0;
  for (int i = 0; i < decision.spawn && pool.backoff.maySpawn(now_us); ++i) {
    if (!spawn(pool, false)) break;
    ++spawned;
  }
  if (spawned > 0 && pool.config.pm != config::PoolConfig::Pm::Static) {
    log::debug("[pool {}] {} child(ren) have been created dynamically", pool.name(), spawned);
  }
}

void Master::onConnectionsWaiting(Pool& pool) {
  if (state_ != MasterState::Normal) return;
  int64_t now = scoreboard::nowMicros();
  apply(pool, onDemand(pool.pm_settings, poolView(pool, now), pool.pm_state), now);
}

bool Master::spawn(Pool& pool, bool startup) {
  int process_max = config_.global.process_max;
  if (process_max > 0 && childCount() >= static_cast<size_t>(process_max)) {
    log::warning(
        "The maximum number of processes has been reached. Please review your "
        "configuration and consider raising 'process.max'");
    return false;
  }
  int slot = pool.scoreboard->claimSlot(-1);
  if (slot < 0) return false;
  int stdout_pipe[2] = {-1, -1};
  int stderr_pipe[2] = {-1, -1};
  if (pool.config.catch_workers_output) {
    if (::pipe2(stdout_pipe, O_CLOEXEC) < 0 || ::pipe2(stderr_pipe, O_CLOEXEC) < 0) {
      log::sysError(log::Level::Error, "[pool {}] pipe() failed", pool.name());
      for (int fd : {stdout_pipe[0], stdout_pipe[1], stderr_pipe[0], stderr_pipe[1]}) {
        if (fd >= 0) ::close(fd);
      }
      pool.scoreboard->releaseSlot(slot);
      return false;
    }
  }
  // Anything buffered in stdio would be written twice, once by each process.
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) {
    log::sysError(log::Level::Error, "fork() failed");
    pool.scoreboard->releaseSlot(slot);
    for (int fd : {stdout_pipe[0], stdout_pipe[1], stderr_pipe[0], stderr_pipe[1]}) {
      if (fd >= 0) ::close(fd);
    }
    return false;
  }
  if (pid == 0) {
    if (stdout_pipe[0] >= 0) {
      ::close(stdout_pipe[0]);
      ::close(stderr_pipe[0]);
    }
    runChild(pool, slot, stdout_pipe[1], stderr_pipe[1]);
  }

  pool.scoreboard->setSlotPid(slot, pid);
  auto child = std::make_unique<Child>();
  child->pid = pid;
  child->slot = slot;
  child->started_us = scoreboard::nowMicros();
  child->startup = startup;
  if (stdout_pipe[0] >= 0) {
    ::close(stdout_pipe[1]);
    ::close(stderr_pipe[1]);
    child->stdout_pipe.reset(stdout_pipe[0]);
    child->stderr_pipe.reset(stderr_pipe[0]);
    bool decorate = pool.config.decorate_workers_output;
    auto limit = static_cast<size_t>(config_.global.log_limit);
    child->stdout_log = std::make_unique<WorkerOutput>(pool.name(), pid, "stdout", decorate, limit);
    child->stderr_log = std::make_unique<WorkerOutput>(pool.name(), pid, "stderr", decorate, limit);
    Pool* pool_ptr = &pool;
    loop_.add(stdout_pipe[0], EPOLLIN,
              [this, pool_ptr, pid](uint32_t) { onChildOutput(*pool_ptr, pid, false); });
    loop_.add(stderr_pipe[0], EPOLLIN,
              [this, pool_ptr, pid](uint32_t) { onChildOutput(*pool_ptr, pid, true); });
  }
  pool.children[pid] = std::move(child);
  if (startup) {
    log::debug("[pool {}] child {} started", pool.name(), pid);
  } else {
    log::notice("[pool {}] child {} started", pool.name(), pid);
  }
  return true;
}

void Master::closeMasterFdsInChild(const Pool& own_pool) {
  ::close(signals_.fd());
  ::close(loop_.fd());
  for (const auto& [fd, held] : held_) ::close(fd);
  for (const auto& held : pending_dispatch_) ::close(held.fd.get());
  for (const auto& pool : pools_) {
    ::close(pool->handback_master.get());
    ::close(pool->dispatch_master.get());
    if (pool.get() != &own_pool) {
      ::close(pool->listener.get());
      ::close(pool->handback_worker.get());
      ::close(pool->dispatch_worker.get());
    }
    for (const auto& [pid, child] : pool->children) {
      if (child->stdout_pipe) ::close(child->stdout_pipe.get());
      if (child->stderr_pipe) ::close(child->stderr_pipe.get());
    }
  }
  log::Target target = log::target();
  if (target.kind == log::Target::Kind::File && target.fd > 2) ::close(target.fd);
  // A worker's own log lines go to its stderr: the master relays them when
  // catch_workers_output is on, and they go to /dev/null otherwise, as in PHP-FPM.
  log::setTarget(log::Target{log::Target::Kind::Stderr, 2});
  log::setChildMode(true);
}

void Master::runChild(Pool& pool, int slot, int stdout_fd, int stderr_fd) {
  signals_.resetInChild();
  if (stdout_fd >= 0) {
    ::dup2(stdout_fd, 1);
    ::dup2(stderr_fd, 2);
    ::close(stdout_fd);
    ::close(stderr_fd);
  } else {
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
      if (null_fd > 2) ::close(null_fd);
    }
  }
  closeMasterFdsInChild(pool);

  Status setup = worker::setupWorkerProcess(pool.config, options_.running_as_root);
  if (!setup) {
    log::error("{}", setup.error());
    ::_exit(70);  // EX_SOFTWARE, as PHP-FPM's child init failures
  }
  int listen_fd = pool.listener.get();
  worker::installStopHandler(listen_fd);
  if (!php::workerInit(pool.php)) ::_exit(70);

  worker::PoolSource source(listen_fd, pool.dispatch_worker.get(), pool.allowed);
  worker::WorkerOptions worker_options;
  worker_options.pool_name = pool.name();
  worker_options.scoreboard = pool.scoreboard.get();
  worker_options.slot = slot;
  // Each lifetime its own limit (seeded by our pid), so a pool does not recycle at once.
  auto max_requests = static_cast<unsigned long>(pool.config.pm_max_requests);
  unsigned long jitter = pool.config.pm_max_requests_jitter >= 0
                             ? static_cast<unsigned long>(pool.config.pm_max_requests_jitter)
                             : defaultMaxRequestsJitter(max_requests);
  worker_options.max_requests =
      maxRequestsFor(max_requests, jitter, static_cast<uint64_t>(::getpid()));
  worker_options.server_values = {pool.config.pm_max_children, pool.config.pm_max_children};
  worker_options.handback_fd = pool.handback_worker.get();
  worker_options.status_path = pool.config.pm_status_path;
  worker_options.ping_path = pool.config.ping_path;
  worker_options.ping_response = pool.config.ping_response;
  int code = worker::serve(source, worker_options);
  php::shutdown();
  ::_exit(code);
}

void Master::onChildOutput(Pool& pool, pid_t pid, bool is_stderr) {
  auto it = pool.children.find(pid);
  if (it == pool.children.end()) return;
  Child& child = *it->second;
  UniqueFd& pipe = is_stderr ? child.stderr_pipe : child.stdout_pipe;
  WorkerOutput& output = is_stderr ? *child.stderr_log : *child.stdout_log;
  char buf[4096];
  ssize_t n = ::read(pipe.get(), buf, sizeof(buf));
  if (n > 0) {
    for (const std::string& message : output.feed(std::string_view(buf, static_cast<size_t>(n)))) {
      log::write(log::Level::Warning, message);
    }
    return;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  for (const std::string& message : output.close()) log::write(log::Level::Warning, message);
  loop_.remove(pipe.get());
  pipe.reset();
}

void Master::onSignals() {
  while (int sig = signals_.next()) {
    log::debug("received {}", signalName(sig));
    switch (sig) {
      case SIGCHLD:
        reapChildren();
        break;
      case SIGTERM:
      case SIGINT:
        if (state_ != MasterState::Terminating) log::notice("Terminating ...");
        requestState(MasterState::Terminating);
        break;
      case SIGQUIT:
        if (state_ != MasterState::Terminating && state_ != MasterState::Finishing) {
          log::notice("Finishing ...");
        }
        requestState(MasterState::Finishing);
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

void Master::reapChildren() {
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    bool found = false;
    for (auto& pool : pools_) {
      if (pool->children.count(pid) != 0) {
        buryChild(*pool, pid, status);
        found = true;
        break;
      }
    }
    if (!found) {
      log::alert("oops, unknown child ({}) exited {}. Please open a bug report.", pid,
                 describeExit(status));
    }
  }
}

void Master::buryChild(Pool& pool, pid_t pid, int status) {
  std::unique_ptr<Child> child = std::move(pool.children[pid]);
  pool.children.erase(pid);
  // Relay what the child wrote before it died, then close its pipes.
  for (bool is_stderr : {false, true}) {
    UniqueFd& pipe = is_stderr ? child->stderr_pipe : child->stdout_pipe;
    if (!pipe) continue;
    WorkerOutput& output = is_stderr ? *child->stderr_log : *child->stdout_log;
    ::fcntl(pipe.get(), F_SETFL, O_NONBLOCK);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipe.get(), buf, sizeof(buf))) > 0) {
      for (const auto& message : output.feed(std::string_view(buf, static_cast<size_t>(n)))) {
        log::write(log::Level::Warning, message);
      }
    }
    for (const auto& message : output.close()) log::write(log::Level::Warning, message);
    loop_.remove(pipe.get());
  }
  pool.scoreboard->releaseSlot(child->slot);

  int64_t now = scoreboard::nowMicros();
  int64_t lived_us = now - child->started_us;
  if (child->stopped_by_pm) {
    log::debug(
        "[pool {}] child {} has been killed by the process management after {}.{:06d} "
        "seconds from start",
        pool.name(), pid, lived_us / 1000000, static_cast<int>(lived_us % 1000000));
    return;
  }
  log::Level level = exitedCleanly(status) ? log::Level::Notice : log::Level::Warning;
  if (state_ != MasterState::Normal) level = log::Level::Debug;
  log::log(level, "[pool {}] child {} exited {} after {}.{:06d} seconds from start", pool.name(),
           pid, describeExit(status), lived_us / 1000000, static_cast<int>(lived_us % 1000000));

  if (state_ != MasterState::Normal) return;
  if (WIFSIGNALED(status) && emergency_.onChildDeath(WTERMSIG(status), now)) {
    log::warning("{}", emergency_.message());
    log::notice("Reloading in progress ...");
    requestState(MasterState::Reloading);
    return;
  }
  // A crash loop must not spin: the back-off delays the replacement.
  BackoffVerdict verdict = pool.backoff.onExit(!exitedCleanly(status), lived_us, now);
  if (verdict.log) {
    log::warning("{}", backoffMessage(pool.name(), pid, describeExit(status), verdict.delay_us));
  }
  if (verdict.delay_us > 0 || !pool.backoff.maySpawn(now)) {
    pool.deferred_spawns++;
    return;
  }
  spawn(pool, false);
}

void Master::onHandback(Pool& pool) {
  for (;;) {
    UniqueFd fd = net::receiveFd(pool.handback_master.get());
    if (!fd) return;
    hold(pool, std::move(fd));
  }
}

void Master::hold(Pool& pool, UniqueFd fd) {
  int raw = fd.get();
  held_[raw] = HeldConnection{std::move(fd), &pool};
  loop_.add(raw, EPOLLIN | EPOLLRDHUP, [this, raw](uint32_t) { onHeldReadable(raw); });
}

void Master::onHeldReadable(int fd) {
  auto it = held_.find(fd);
  if (it == held_.end()) return;
  loop_.remove(fd);
  HeldConnection held = std::move(it->second);
  held_.erase(it);
  char byte;
  ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;  // closed: drop it
  if (n < 0) {  // spurious wake-up: keep holding it
    held_[fd] = std::move(held);
    loop_.add(fd, EPOLLIN | EPOLLRDHUP, [this, fd](uint32_t) { onHeldReadable(fd); });
    return;
  }
  Pool& pool = *held.pool;
  if (state_ != MasterState::Normal) {
    // A request waits on it but the workers are leaving: a reload carries it to the next
    // master; a stop closes it with everything else.
    pending_dispatch_.push_back(std::move(held));
    return;
  }
  if (!net::sendFd(pool.dispatch_master.get(), fd)) {
    log::sysError(log::Level::Warning,
                  "[pool {}] cannot hand a kept-alive connection to a worker yet", pool.name());
    pending_dispatch_.push_back(std::move(held));
    return;
  }
  // The connection is now queued for the pool's workers, like one in the listen queue:
  // make sure one exists to take it (ondemand may have none).
  if (state_ == MasterState::Normal && pool.config.pm != config::PoolConfig::Pm::Static) {
    int64_t now = scoreboard::nowMicros();
    PoolView view = poolView(pool, now);
    view.queued = std::max(view.queued, 0) + 1;
    apply(pool, onDemand(pool.pm_settings, view, pool.pm_state), now);
  }
}

void Master::dispatchPending() {
  if (state_ != MasterState::Normal) return;
  std::vector<HeldConnection> waiting = std::move(pending_dispatch_);
  pending_dispatch_.clear();
  for (auto& held : waiting) {
    if (!net::sendFd(held.pool->dispatch_master.get(), held.fd.get())) {
      pending_dispatch_.push_back(std::move(held));
    }
  }
}

void Master::closeHeldConnections() {
  for (auto& [fd, held] : held_) loop_.remove(fd);
  held_.clear();
  pending_dispatch_.clear();
}

std::string Master::carryConnections() {
  std::map<std::string, std::vector<int>> kept;
  auto keep = [&kept](const Pool& pool, int fd) {
    ::fcntl(fd, F_SETFD, 0);  // survive execv
    kept[pool.name()].push_back(fd);
  };
  for (auto& pool : pools_) {
    // Connections sent to the workers but not taken before they left: take them back.
    while (UniqueFd fd = net::receiveFd(pool->dispatch_worker.get())) {
      keep(*pool, fd.release());
    }
  }
  for (auto& [fd, held] : held_) keep(*held.pool, held.fd.release());
  for (auto& held : pending_dispatch_) keep(*held.pool, held.fd.release());
  held_.clear();
  pending_dispatch_.clear();
  return net::formatKeptConnections(kept);
}

void Master::adoptKeptConnections() {
  const char* value = std::getenv(net::kKeptConnectionsEnv);
  if (value == nullptr) return;
  auto kept = net::parseKeptConnections(value);
  ::unsetenv(net::kKeptConnectionsEnv);
  size_t adopted = 0;
  for (auto& [name, fds] : kept) {
    Pool* owner = nullptr;
    for (auto& pool : pools_) {
      if (pool->name() == name) owner = pool.get();
    }
    for (int fd : fds) {
      int type = 0;
      socklen_t len = sizeof(type);
      if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) continue;
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      if (owner == nullptr) {
        ::close(fd);  // its pool is gone from the new config
        continue;
      }
      hold(*owner, UniqueFd(fd));
      ++adopted;
    }
  }
  if (adopted > 0) log::debug("kept {} web server connection(s) across the reload", adopted);
}

void Master::spawnDeferred(int64_t now_us) {
  for (auto& pool : pools_) {
    while (pool->deferred_spawns > 0 && pool->backoff.maySpawn(now_us)) {
      pool->deferred_spawns--;
      if (!spawn(*pool, false)) break;
    }
  }
}

int64_t Master::nextDeferredSpawnUs() const {
  int64_t next = INT64_MAX;
  for (const auto& pool : pools_) {
    if (pool->deferred_spawns > 0) next = std::min(next, pool->backoff.nextSpawnUs());
  }
  return next;
}

void Master::updateScoreboards() {
  for (auto& pool : pools_) {
    uint64_t active = 0;
    for (const auto& [pid, child] : pool->children) {
      if (pool->scoreboard->stage(child->slot) != cgi::Stage::Idle) ++active;
    }
    pool->scoreboard->noteActive(active);
    if (auto queue = net::listenQueue(pool->listener.get(), pool->address.isUnix())) {
      pool->scoreboard->setListenQueue(queue->depth, queue->limit);
    }
  }
}

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
    if (!file) {
      log::sysError(log::Level::Error, "unable to open slowlog ({})", pool.config.slowlog);
    } else if (::write(file.get(), entry.data(), entry.size()) < 0) {
      log::sysError(log::Level::Error, "unable to write to slowlog ({})", pool.config.slowlog);
    }
  }
  log::notice("finished trace of {}", pid);
}

void Master::checkRequestTimeouts() {
  int64_t now = scoreboard::nowMicros();
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
  if (global.process_priority && ::setpriority(PRIO_PROCESS, 0, *global.process_priority) < 0) {
    log::sysError(log::Level::Warning, "Unable to set priority for the master process");
  }
}

void Master::maintenance() {
  updateScoreboards();
  if (!pending_dispatch_.empty()) dispatchPending();
  if (state_ != MasterState::Normal) return;
  int64_t now = scoreboard::nowMicros();
  spawnDeferred(now);
  for (auto& pool : pools_) {
    // Deferred replacements count as running, so the tick does not refill around the
    // back-off.
    PoolView view = poolView(*pool, now);
    for (int i = 0; i < pool->deferred_spawns; ++i)
      view.workers.push_back(WorkerView{0, false, now, now, false});
    apply(*pool, onTick(pool->pm_settings, view, pool->pm_state), now);
  }
}

void Master::requestState(MasterState requested) {
  std::optional<MasterState> next = master::requestState(state_, requested);
  if (!next) return;
  state_ = *next;
  log::debug("switching to '{}' state", stateName(state_));
  // A reload carries kept-alive connections to the next master; a stop closes them.
  if (state_ != MasterState::Reloading) closeHeldConnections();
  escalation_step_ = 0;
  sendEscalation();
}

void Master::sendEscalation() {
  auto step = escalation(state_, escalation_step_, config_.global.process_control_timeout);
  escalation_pending_ = false;
  if (!step) return;
  for (auto& pool : pools_) {
    for (const auto& [pid, child] : pool->children) {
      log::debug("[pool {}] sending signal {} {} to child {}", pool->name(), step->signal,
                 signalName(step->signal), pid);
      ::kill(pid, step->signal);
    }
  }
  if (childCount() > 0) log::debug("{} child(ren) still alive", childCount());
  ++escalation_step_;
  if (step->wait_after) {
    escalation_pending_ = true;
    next_escalation_us_ = scoreboard::nowMicros() + int64_t{*step->wait_after} * 1000000;
  }
}

void Master::reloadRequested() {
  if (state_ != MasterState::Normal) return;
  // Validate first (nginx's transactional cycle): a bad file must not stop a running
  // server. PHP-FPM re-executes blindly and dies on a bad config.
  log::Level saved = log::level();
  Result<config::Config> fresh = config::load(options_.load);
  log::setLevel(saved);
  if (!fresh) {
    log::error("reload aborted: the configuration is invalid; still serving with the running one");
    return;
  }
  log::notice("Reloading in progress ...");
  requestState(MasterState::Reloading);
}

void Master::reopenLogs() {
  if (!log::reopenFile()) {
    log::sysError(log::Level::Error, "failed to reopen the error log");
    return;
  }
  log::notice("error log file re-opened");
}

void Master::execForReload() {
  std::map<std::string, int> sockets;
  for (auto& pool : pools_) {
    int fd = pool->listener.get();
    ::fcntl(fd, F_SETFD, 0);  // keep it open across execv
    sockets[pool->address.key()] = fd;
  }
  ::setenv(net::kInheritedSocketsEnv, net::formatInheritedSockets(sockets).c_str(), 1);
  std::string kept = carryConnections();
  if (!kept.empty()) ::setenv(net::kKeptConnectionsEnv, kept.c_str(), 1);
  std::string shown;
  for (const auto& arg : options_.argv)
    shown += fmt::format("{}\"{}\"", shown.empty() ? "" : ", ", arg);
  log::notice("reloading: execvp(\"{}\", {{{}}})", options_.argv[0], shown);
  std::vector<char*> argv;
  for (auto& arg : options_.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::sigprocmask(SIG_SETMASK, &signals_.originalMask(), nullptr);
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
  inherited.closeUnclaimed();
  if (!opened) {
    log::error("{}", opened.error());
    log::error("FPM initialization failed");
    notifyReady(false);
    return 78;
  }
  applyGlobalLimits();
  writePidFile();
  log::notice("fpm is running, pid {}", ::getpid());
  loop_.add(signals_.fd(), EPOLLIN, [this](uint32_t) { onSignals(); });
  startPools();
  adoptKeptConnections();
  log::notice("ready to handle connections");
  notifyReady(true);
  systemd_.ready();
  next_systemd_us_ = scoreboard::nowMicros() + systemd_.intervalMicros();
  log::setLaunched(true);
  next_tick_us_ = scoreboard::nowMicros() + kTickMicros;
  const int64_t timeout_heartbeat = timeoutHeartbeatMicros();
  next_timeout_check_us_ = scoreboard::nowMicros() + timeout_heartbeat;

  while (running_) {
    int64_t now = scoreboard::nowMicros();
    int64_t deadline = next_tick_us_;
    if (escalation_pending_) deadline = std::min(deadline, next_escalation_us_);
    if (timeout_heartbeat > 0) deadline = std::min(deadline, next_timeout_check_us_);
    if (state_ == MasterState::Normal) deadline = std::min(deadline, nextDeferredSpawnUs());
    if (systemd_.enabled() && systemd_.intervalMicros() > 0) {
      deadline = std::min(deadline, next_systemd_us_);
    }
    int timeout_ms = deadline <= now ? 0 : static_cast<int>((deadline - now + 999) / 1000);
    loop_.runOnce(timeout_ms);

    now = scoreboard::nowMicros();
    if (now >= next_tick_us_) {
      maintenance();
      next_tick_us_ = now + kTickMicros;
    }
    if (escalation_pending_ && now >= next_escalation_us_) sendEscalation();
    if (state_ == MasterState::Normal && now >= nextDeferredSpawnUs()) spawnDeferred(now);
    if (systemd_.enabled() && systemd_.intervalMicros() > 0 && now >= next_systemd_us_) {
      systemd_.heartbeat(processCounts(), now);
      next_systemd_us_ = now + systemd_.intervalMicros();
    }
    if (timeout_heartbeat > 0 && now >= next_timeout_check_us_) {
      checkRequestTimeouts();
      next_timeout_check_us_ = now + timeout_heartbeat;
    }
    if (state_ != MasterState::Normal && childCount() == 0) {
      if (state_ == MasterState::Reloading) execForReload();
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
