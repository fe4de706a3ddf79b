#include "master/fork_spawner.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "common/fd_flags.h"
#include "log/log.h"
#include "master/pm/recycle_jitter.h"
#include "master/pool.h"
#include "os/process_memory.h"
#include "php/engine.h"
#include "worker/connection_source.h"
#include "worker/process_setup.h"
#include "worker/stop_flag.h"
#include "worker/worker.h"

namespace fpmd::master {
namespace {

/// How long a worker waits idle before it gives memory back: long enough that a busy
/// worker never pays for it between requests, short enough that a peak's memory is the
/// host's again within seconds.
constexpr int kIdleMemoryReleaseMs = 1000;

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

std::optional<SpawnedWorker> ForkSpawner::start(Pool& pool, int slot, bool startup) {
  WorkerPipes pipes;
  if (pool.config.catch_workers_output && !pipes.open()) {
    log::sysError(log::Level::Error, "[pool {}] pipe() failed", pool.name());
    return std::nullopt;
  }
  // The master reads each pipe dry on every wake-up, as PHP-FPM does; the worker's ends
  // stay blocking, so that no write of PHP's is lost to EAGAIN.
  if (pipes.stdout_read &&
      (!setNonBlocking(pipes.stdout_read.get()) || !setNonBlocking(pipes.stderr_read.get()))) {
    log::sysError(log::Level::Error, "[pool {}] fcntl(O_NONBLOCK) failed", pool.name());
    return std::nullopt;
  }
  // Anything buffered in stdio would be written twice, once by each process.
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t master_pid = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    log::sysError(log::Level::Error, "fork() failed");
    return std::nullopt;  // the pipes close with `pipes`
  }
  if (pid == 0) {
    pipes.stdout_read.reset();
    pipes.stderr_read.reset();
    runChild(pool, slot, std::move(pipes.stdout_write), std::move(pipes.stderr_write), startup,
             master_pid);
  }
  SpawnedWorker worker;
  worker.pid = pid;
  worker.stdout_pipe = std::move(pipes.stdout_read);
  worker.stderr_pipe = std::move(pipes.stderr_read);
  return worker;
}

void ForkSpawner::runChild(Pool& pool, int slot, UniqueFd stdout_fd, UniqueFd stderr_fd,
                           bool startup, pid_t master_pid) {
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
  in_child_(pool);

  Status setup = worker::setupWorkerProcess(pool.config, running_as_root_);
  if (!setup) {
    log::error("{}", setup.error());
    log::error("[pool {}] child failed to initialize", pool.name());
    ::_exit(70);  // EX_SOFTWARE, as PHP-FPM's child init failures
  }
  int listen_fd = pool.listener.get();
  worker::installStopHandler(listen_fd);
  if (!worker::stopWhenMasterDies(master_pid)) {
    log::sysError(log::Level::Error, "[pool {}] prctl(PR_SET_PDEATHSIG) failed", pool.name());
    ::_exit(70);
  }
  if (!php::workerInit(pool.php)) ::_exit(70);

  // The per-request memory check's /proc/self/statm, opened now with the worker's other
  // start-up fds rather than on its first request.
  os::ownResidentBytes();
  const bool master_queues = static_cast<bool>(pool.queue_credits);
  worker::PoolSource source(master_queues ? -1 : listen_fd, pool.dispatch_worker.get(),
                            pool.allowed, pool.scoreboard.get());
  if (master_queues) source.askForEachConnection(pool.queue_credits.get());
  // After a peak, an idle worker gives back what it no longer uses, so the memory a burst
  // took is the host's again within seconds (docs/memory.md).
  source.setIdleWork(kIdleMemoryReleaseMs, [] { php::releaseIdleMemory(); });
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
  worker_options.max_memory = pool.config.pm_max_memory;
  worker_options.max_requests =
      pm::maxRequestsFor(max_requests, jitter, static_cast<uint64_t>(::getpid()));
  worker_options.server_values = {pool.config.pm_max_children, pool.config.pm_max_children};
  worker_options.handback_fd = pool.handback_worker.get();
  worker_options.listen_fd = listen_fd;
  worker_options.dispatch_fd = pool.dispatch_worker.get();
  worker_options.requeue_fd = pool.dispatch_master.get();
  if (master_queues) {
    // Every connection goes through the master's queue, in arrival order: a kept one is
    // given back to it rather than queued here, and only the queue's signal matters.
    worker_options.master_queues = true;
    worker_options.listen_fd = pool.queue_waiting.get();
    worker_options.dispatch_fd = -1;
    worker_options.requeue_fd = -1;
  }
  if (pool.access_log && pool.access_format) {
    worker_options.access_log_fd = pool.access_log.get();
    worker_options.access_format = &*pool.access_format;
    worker_options.access_suppress_path = pool.config.access_suppress_path;
  }
  worker_options.status_path = pool.config.pm_status_path;
  worker_options.ping_path = pool.config.ping_path;
  worker_options.ping_response = pool.config.ping_response;
  worker_options.status_fpmd_fields = pool.config.pm_status_fpmd_fields;
  // At most a day (config::load checks it), so the milliseconds fit an int.
  worker_options.request_read_timeout_ms = pool.config.request_read_timeout * 1000;
  worker_options.mark_request_ends = pool.config.catch_workers_output;
  php::exitWorker(worker::serve(source, worker_options));
}

}  // namespace fpmd::master
