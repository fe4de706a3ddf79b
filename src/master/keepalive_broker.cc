#include "master/keepalive_broker.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "common/fd_flags.h"
#include "log/log.h"
#include "net/fd_passing.h"
#include "net/inherited_sockets.h"
#include "worker/connection_source.h"

namespace fpmd::master {

void KeepAliveBroker::watchHandbacks(Pool& pool) {
  Pool* pool_ptr = &pool;
  loop_.add(pool.handback_master.get(), EPOLLIN,
            [this, pool_ptr](uint32_t) { onHandback(*pool_ptr); });
}

void KeepAliveBroker::forgetInChild() {
  held_.clear();
  pending_dispatch_.clear();
}

void KeepAliveBroker::onHandback(Pool& pool) {
  auto lost = [&pool] {
    log::warning(
        "[pool {}] a kept-alive connection handed to the master was closed: out of "
        "file descriptors (rlimit_files)",
        pool.name());
  };
  while (UniqueFd fd = net::receiveNextFd(pool.handback_master.get(), lost)) {
    hold(pool, std::move(fd));
  }
}

void KeepAliveBroker::hold(Pool& pool, UniqueFd fd) {
  int raw = fd.get();
  char byte;
  ssize_t n = ::recv(raw, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;  // closed: drop it
  if (n < 0) {
    watch(pool, std::move(fd));  // idle: until the web server sends its next request
    return;
  }
  // Its next request has come (often already when a worker's hand-back is read).
  HeldConnection held{std::move(fd), &pool};
  if (!hooks_.serving()) {
    // A request waits on it but the workers are leaving: a reload carries it to the next
    // master; a stop closes it with everything else.
    pending_dispatch_.push_back(std::move(held));
    return;
  }
  if (hooks_.take_over && hooks_.take_over(pool, held.fd)) return;
  if (!worker::queueDispatched(pool.scoreboard.get(), pool.dispatch_master.get(), raw)) {
    log::sysError(log::Level::Warning,
                  "[pool {}] cannot hand a kept-alive connection to a worker yet", pool.name());
    pending_dispatch_.push_back(std::move(held));
    return;
  }
  // The connection is now queued for the pool's workers, like one in the listen queue:
  // make sure one exists to take it (ondemand may have none).
  hooks_.queued(pool);
}

void KeepAliveBroker::watch(Pool& pool, UniqueFd fd) {
  int raw = fd.get();
  held_[raw] = HeldConnection{std::move(fd), &pool};
  loop_.add(raw, EPOLLIN | EPOLLRDHUP, [this, raw](uint32_t) { onHeldReadable(raw); });
}

void KeepAliveBroker::onHeldReadable(int fd) {
  auto it = held_.find(fd);
  if (it == held_.end()) return;
  loop_.remove(fd);
  HeldConnection held = std::move(it->second);
  held_.erase(it);
  hold(*held.pool, std::move(held.fd));
}

void KeepAliveBroker::retryPending() {
  if (pending_dispatch_.empty() || !hooks_.serving()) return;
  std::vector<HeldConnection> waiting = std::move(pending_dispatch_);
  pending_dispatch_.clear();
  for (auto& held : waiting) {
    if (!worker::queueDispatched(held.pool->scoreboard.get(), held.pool->dispatch_master.get(),
                                 held.fd.get())) {
      pending_dispatch_.push_back(std::move(held));
    }
  }
}

void KeepAliveBroker::closeAll() {
  for (auto& [fd, held] : held_) loop_.remove(fd);
  held_.clear();
  pending_dispatch_.clear();
}

std::string KeepAliveBroker::carry(const std::vector<std::unique_ptr<Pool>>& pools) {
  std::map<std::string, std::vector<int>> kept;
  auto keep = [&kept](const Pool& pool, int fd) {
    if (!setCloseOnExec(fd, false)) {  // to survive execv
      log::sysError(log::Level::Warning, "[pool {}] a kept connection cannot travel", pool.name());
      ::close(fd);
      return;
    }
    kept[pool.name()].push_back(fd);
  };
  for (const auto& pool : pools) {
    // Connections sent to the workers but not taken before they left, and those the
    // leaving workers gave back that the loop has not read yet.
    for (int channel : {pool->dispatch_worker.get(), pool->handback_master.get()}) {
      auto lost = [&pool] {
        log::warning(
            "[pool {}] a kept-alive connection could not be carried: out of file "
            "descriptors (rlimit_files)",
            pool->name());
      };
      while (UniqueFd fd = net::receiveNextFd(channel, lost)) keep(*pool, fd.release());
    }
  }
  for (auto& [fd, held] : held_) keep(*held.pool, held.fd.release());
  for (auto& held : pending_dispatch_) keep(*held.pool, held.fd.release());
  held_.clear();
  pending_dispatch_.clear();
  return net::formatKeptConnections(kept);
}

void KeepAliveBroker::adopt(const std::vector<std::unique_ptr<Pool>>& pools) {
  const char* value = std::getenv(net::kKeptConnectionsEnv);
  if (value == nullptr) return;
  auto kept = net::parseKeptConnections(value);
  ::unsetenv(net::kKeptConnectionsEnv);
  size_t adopted = 0;
  for (auto& [name, fds] : kept) {
    Pool* owner = nullptr;
    for (const auto& pool : pools) {
      if (pool->name() == name) owner = pool.get();
    }
    for (int fd : fds) {
      int type = 0;
      socklen_t len = sizeof(type);
      if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) continue;
      UniqueFd connection(fd);
      if (owner == nullptr) continue;  // its pool is gone from the new config: closed
      if (!setCloseOnExec(fd, true)) {
        log::sysError(log::Level::Warning, "[pool {}] fcntl(FD_CLOEXEC) failed", name);
        continue;
      }
      // Watched, not dispatched yet: this runs before the workers are forked (which then
      // close it with the other held connections), and the loop's first turn passes on
      // those whose next request is already there.
      watch(*owner, std::move(connection));
      ++adopted;
    }
  }
  if (adopted > 0) log::debug("kept {} web server connection(s) across the reload", adopted);
}

}  // namespace fpmd::master
