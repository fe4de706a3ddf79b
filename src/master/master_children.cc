// Forking, running and burying workers: what the master does for each child process.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "log/log.h"
#include "master/exit_status.h"
#include "master/master.h"
#include "master/recycle_jitter.h"
#include "php/engine.h"
#include "worker/connection_source.h"
#include "worker/process_setup.h"
#include "worker/stop_flag.h"
#include "worker/worker.h"

namespace fpmd::master {

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
  pid_t master_pid = ::getpid();
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
    runChild(pool, slot, stdout_pipe[1], stderr_pipe[1], startup, master_pid);
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
  for (const auto& endpoint : status_endpoints_) endpoint.server->closeFdsInChild();
  for (const auto& [fd, held] : held_) ::close(fd);
  for (const auto& held : pending_dispatch_) ::close(held.fd.get());
  for (const auto& pool : pools_) {
    ::close(pool->handback_master.get());
    if (pool.get() != &own_pool) {
      if (pool->access_log) ::close(pool->access_log.get());
      ::close(pool->listener.get());
      ::close(pool->handback_worker.get());
      ::close(pool->dispatch_worker.get());
      // A worker keeps its own pool's sending end of the dispatch channel: it queues
      // kept connections whose next request has come there itself (worker::WorkerOptions).
      ::close(pool->dispatch_master.get());
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

void Master::runChild(Pool& pool, int slot, int stdout_fd, int stderr_fd, bool startup,
                      pid_t master_pid) {
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
  if (!worker::stopWhenMasterDies(master_pid)) {
    log::sysError(log::Level::Error, "[pool {}] prctl(PR_SET_PDEATHSIG) failed", pool.name());
    ::_exit(70);
  }
  if (!php::workerInit(pool.php)) ::_exit(70);

  worker::PoolSource source(listen_fd, pool.dispatch_worker.get(), pool.allowed);
  worker::WorkerOptions worker_options;
  worker_options.pool_name = pool.name();
  worker_options.scoreboard = pool.scoreboard.get();
  worker_options.slot = slot;
  // Each lifetime its own limit (seeded by our pid), so a pool does not recycle at once;
  // workers started together with the pool spread their first restart widest.
  auto max_requests = static_cast<unsigned long>(pool.config.pm_max_requests);
  unsigned long jitter = pool.config.pm_max_requests_jitter >= 0
                             ? static_cast<unsigned long>(pool.config.pm_max_requests_jitter)
                             : defaultMaxRequestsJitter(max_requests);
  if (startup) jitter = firstLifeJitter(max_requests, jitter);
  worker_options.max_requests =
      maxRequestsFor(max_requests, jitter, static_cast<uint64_t>(::getpid()));
  worker_options.server_values = {pool.config.pm_max_children, pool.config.pm_max_children};
  worker_options.handback_fd = pool.handback_worker.get();
  worker_options.listen_fd = listen_fd;
  worker_options.dispatch_fd = pool.dispatch_worker.get();
  worker_options.requeue_fd = pool.dispatch_master.get();
  if (pool.access_log && pool.access_format) {
    worker_options.access_log_fd = pool.access_log.get();
    worker_options.access_format = &*pool.access_format;
    worker_options.access_suppress_path = pool.config.access_suppress_path;
  }
  worker_options.status_path = pool.config.pm_status_path;
  worker_options.ping_path = pool.config.ping_path;
  worker_options.ping_response = pool.config.ping_response;
  worker_options.request_read_timeout_ms = pool.config.request_read_timeout * 1000;
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

}  // namespace fpmd::master
