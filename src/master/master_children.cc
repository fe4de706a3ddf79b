// Forking, running and burying workers: what the master does for each child process.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "common/fd_flags.h"
#include "log/log.h"
#include "master/master.h"
#include "master/pm/recycle_jitter.h"
#include "os/exit_status.h"
#include "php/engine.h"
#include "worker/connection_source.h"
#include "worker/process_setup.h"
#include "worker/stop_flag.h"
#include "worker/worker.h"

namespace fpmd::master {
namespace {

/// A worker's stdout and stderr pipes (catch_workers_output), each end owned.
struct WorkerPipes {
  UniqueFd stdout_read, stdout_write, stderr_read, stderr_write;

  bool open() {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) < 0) return false;
    stdout_read.reset(out[0]);
    stdout_write.reset(out[1]);
    if (::pipe2(err, O_CLOEXEC) < 0) return false;
    stderr_read.reset(err[0]);
    stderr_write.reset(err[1]);
    return true;
  }
};

}  // namespace

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
  WorkerPipes pipes;
  if (pool.config.catch_workers_output && !pipes.open()) {
    log::sysError(log::Level::Error, "[pool {}] pipe() failed", pool.name());
    pool.scoreboard->releaseSlot(slot);
    return false;
  }
  // Anything buffered in stdio would be written twice, once by each process.
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t master_pid = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    log::sysError(log::Level::Error, "fork() failed");
    pool.scoreboard->releaseSlot(slot);
    return false;  // the pipes close with `pipes`
  }
  if (pid == 0) {
    pipes.stdout_read.reset();
    pipes.stderr_read.reset();
    runChild(pool, slot, std::move(pipes.stdout_write), std::move(pipes.stderr_write), startup,
             master_pid);
  }

  pool.scoreboard->setSlotPid(slot, pid);
  auto child = std::make_unique<Child>();
  child->pid = pid;
  child->slot = slot;
  child->started_us = scoreboard::nowMicros();
  child->startup = startup;
  if (pipes.stdout_read) {
    pipes.stdout_write.reset();
    pipes.stderr_write.reset();
    int stdout_fd = pipes.stdout_read.get();
    int stderr_fd = pipes.stderr_read.get();
    child->stdout_pipe = std::move(pipes.stdout_read);
    child->stderr_pipe = std::move(pipes.stderr_read);
    bool decorate = pool.config.decorate_workers_output;
    auto limit = static_cast<size_t>(config_.global.log_limit);
    child->stdout_log = std::make_unique<WorkerOutput>(pool.name(), pid, "stdout", decorate, limit);
    child->stderr_log = std::make_unique<WorkerOutput>(pool.name(), pid, "stderr", decorate, limit);
    Pool* pool_ptr = &pool;
    loop_.add(stdout_fd, EPOLLIN,
              [this, pool_ptr, pid](uint32_t) { onChildOutput(*pool_ptr, pid, false); });
    loop_.add(stderr_fd, EPOLLIN,
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

// Each fd is closed by what owns it (reset()), so nothing in the child still holds a
// number that a later open() may reuse.
void Master::closeMasterFdsInChild(const Pool& own_pool) {
  loop_.closeInChild();
  for (const auto& endpoint : status_endpoints_) endpoint.server->closeFdsInChild();
  held_.clear();
  pending_dispatch_.clear();
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

void Master::runChild(Pool& pool, int slot, UniqueFd stdout_fd, UniqueFd stderr_fd, bool startup,
                      pid_t master_pid) {
  signals_.resetInChild();
  if (!stdout_fd) {
    // Without catch_workers_output the worker's output goes nowhere, as in PHP-FPM.
    stdout_fd.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    stderr_fd.reset(::dup(stdout_fd.get()));
  }
  if (!stdout_fd || !stderr_fd || ::dup2(stdout_fd.get(), 1) < 0 ||
      ::dup2(stderr_fd.get(), 2) < 0) {
    log::sysError(log::Level::Error, "[pool {}] cannot set up the worker's output", pool.name());
    ::_exit(70);
  }
  stdout_fd.reset();
  stderr_fd.reset();
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
                             : pm::defaultMaxRequestsJitter(max_requests);
  if (startup) jitter = pm::firstLifeJitter(max_requests, jitter);
  worker_options.max_requests =
      pm::maxRequestsFor(max_requests, jitter, static_cast<uint64_t>(::getpid()));
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
  // At most a day (config::load checks it), so the milliseconds fit an int.
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
                 os::describeExit(status));
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
    // Only what is already there: the child is gone, nothing more will come.
    if (!setNonBlocking(pipe.get())) {
      log::sysError(log::Level::Error, "[pool {}] fcntl(O_NONBLOCK) failed", pool.name());
    }
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
  log::Level level = os::exitedCleanly(status) ? log::Level::Notice : log::Level::Warning;
  if (state_ != pm::MasterState::Normal) level = log::Level::Debug;
  log::log(level, "[pool {}] child {} exited {} after {}.{:06d} seconds from start", pool.name(),
           pid, os::describeExit(status), lived_us / 1000000, static_cast<int>(lived_us % 1000000));

  if (state_ != pm::MasterState::Normal) return;
  if (WIFSIGNALED(status) && emergency_.onChildDeath(WTERMSIG(status), now)) {
    log::warning("{}", emergency_.message());
    log::notice("Reloading in progress ...");
    requestState(pm::MasterState::Reloading);
    return;
  }
  // A crash loop must not spin: the back-off delays the replacement.
  pm::BackoffVerdict verdict = pool.backoff.onExit(!os::exitedCleanly(status), lived_us, now);
  if (verdict.log) {
    log::warning("{}",
                 pm::backoffMessage(pool.name(), pid, os::describeExit(status), verdict.delay_us));
  }
  if (verdict.delay_us > 0 || !pool.backoff.maySpawn(now)) {
    pool.deferred_spawns++;
    return;
  }
  spawn(pool, false);
}

}  // namespace fpmd::master
