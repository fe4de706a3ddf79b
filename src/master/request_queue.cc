#include "master/request_queue.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "fastcgi/unavailable_answer.h"
#include "log/log.h"
#include "worker/connection_source.h"

namespace fpmd::master {
namespace {

/// Connections accepted per wake-up, so that one busy pool cannot hold the loop.
constexpr int kAcceptBatch = 64;

}  // namespace

void RequestQueue::start(const std::vector<std::unique_ptr<Pool>>& pools) {
  for (const auto& pool : pools) {
    if (!pool->queue_credits || find(*pool) != nullptr) continue;
    auto queue = std::make_unique<PoolQueue>();
    PoolQueue* q = queue.get();
    q->pool = pool.get();
    q->expiry = std::make_unique<os::Timer>(loop_, [this, q] { pump(*q); });
    loop_.add(pool->listener.get(), EPOLLIN, [this, q](uint32_t) { onAcceptable(*q); });
    q->accepting = true;
    loop_.add(pool->queue_credits.get(), EPOLLIN, [this, q](uint32_t) { onCredits(*q); });
    queues_.push_back(std::move(queue));
  }
}

RequestQueue::PoolQueue* RequestQueue::find(const Pool& pool) const {
  for (const auto& queue : queues_) {
    if (queue->pool == &pool) return queue.get();
  }
  return nullptr;
}

int64_t RequestQueue::timeoutMicros(const PoolQueue& queue) const {
  return static_cast<int64_t>(queue.pool->config.request_queue_timeout) * 1000000;
}

void RequestQueue::onAcceptable(PoolQueue& queue) {
  Pool& pool = *queue.pool;
  if (!hooks_.serving()) {
    // Stopping or reloading: what is in the backlog stays there (a reload's next master
    // inherits the listener with it).
    loop_.remove(pool.listener.get());
    queue.accepting = false;
    return;
  }
  for (int i = 0; i < kAcceptBatch; ++i) {
    UniqueFd connection = worker::acceptAllowed(pool.listener.get(), pool.allowed);
    if (!connection) {
      if (errno == EINTR || errno == ECONNABORTED) continue;  // ECONNABORTED: refused
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      // Out of fds (or worse): stop looking until the next heartbeat, or the listener,
      // still readable, would spin the loop.
      log::sysError(log::Level::Error, "[pool {}] accept() failed", pool.name());
      loop_.remove(pool.listener.get());
      queue.accepting = false;
      break;
    }
    queue.waiting.push_back(Waiting{std::move(connection), loop_.clock().nowMicros()});
    if (hooks_.queued) hooks_.queued(pool);
  }
  pump(queue);
}

bool RequestQueue::enqueue(Pool& pool, UniqueFd& fd) {
  PoolQueue* queue = find(pool);
  if (queue == nullptr) return false;
  queue->waiting.push_back(Waiting{std::move(fd), loop_.clock().nowMicros()});
  if (hooks_.queued) hooks_.queued(pool);
  pump(*queue);
  return true;
}

void RequestQueue::onCredits(PoolQueue& queue) {
  uint64_t asked = 0;
  if (::read(queue.pool->queue_credits.get(), &asked, sizeof(asked)) == sizeof(asked)) {
    queue.credits += asked;
  }
  pump(queue);
}

void RequestQueue::pump(PoolQueue& queue) {
  expire(queue);
  Pool& pool = *queue.pool;
  if (hooks_.serving()) {
    while (queue.credits > 0 && !queue.waiting.empty()) {
      if (!worker::queueDispatched(pool.scoreboard.get(), pool.dispatch_master.get(),
                                   queue.waiting.front().fd.get())) {
        break;  // the channel is full: tried again at the next credit or the expiry
      }
      queue.waiting.pop_front();  // the worker has its copy
      --queue.credits;
    }
  }
  publish(queue);
}

void RequestQueue::expire(PoolQueue& queue) {
  const int64_t now = loop_.clock().nowMicros();
  const int64_t timeout = timeoutMicros(queue);
  // Arrival order is time order: only the front can be the oldest.
  while (!queue.waiting.empty() && now - queue.waiting.front().arrived_us >= timeout) {
    Waiting waiting = std::move(queue.waiting.front());
    queue.waiting.pop_front();
    answerUnavailable(queue, std::move(waiting));
  }
}

void RequestQueue::answerUnavailable(PoolQueue& queue, Waiting waiting) {
  // Nobody has read from the connection: its request is in the socket, whole by now for
  // anything a web server sends (it sends the params at once). Read without waiting,
  // answer, close; a connection whose request never came is only closed.
  char input[16384];
  ssize_t n = ::recv(waiting.fd.get(), input, sizeof(input), MSG_DONTWAIT);
  if (n > 0) {
    std::optional<uint16_t> id =
        fastcgi::firstRequestId(std::string_view(input, static_cast<size_t>(n)));
    if (id) {
      int retry_after = std::max(1, queue.pool->config.request_queue_timeout);
      std::string answer = fastcgi::unavailableResponse(*id, retry_after);
      ssize_t sent =
          ::send(waiting.fd.get(), answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      (void)sent;  // a few hundred bytes into an empty buffer; a gone peer is routine
    }
  }
  queue.pool->scoreboard->countQueueTimeout();
  ++queue.timeouts_unlogged;
}

void RequestQueue::publish(PoolQueue& queue) {
  Pool& pool = *queue.pool;
  pool.scoreboard->setQueuedInMaster(static_cast<int64_t>(queue.waiting.size()));
  // Readable while requests wait: workers holding idle kept connections give them up.
  if (!queue.waiting.empty() && !queue.waiting_signalled) {
    uint64_t one = 1;
    if (::write(pool.queue_waiting.get(), &one, sizeof(one)) == sizeof(one)) {
      queue.waiting_signalled = true;
    }
  } else if (queue.waiting.empty() && queue.waiting_signalled) {
    uint64_t count;
    if (::read(pool.queue_waiting.get(), &count, sizeof(count)) == sizeof(count)) {
      queue.waiting_signalled = false;
    }
  }
  if (queue.waiting.empty()) {
    queue.expiry->disarm();
  } else {
    queue.expiry->armAt(queue.waiting.front().arrived_us + timeoutMicros(queue));
  }
}

std::vector<std::pair<Pool*, UniqueFd>> RequestQueue::takeAll() {
  std::vector<std::pair<Pool*, UniqueFd>> all;
  for (auto& queue : queues_) {
    for (Waiting& waiting : queue->waiting) all.emplace_back(queue->pool, std::move(waiting.fd));
    queue->waiting.clear();
    publish(*queue);
  }
  return all;
}

void RequestQueue::tick() {
  for (auto& queue : queues_) {
    Pool& pool = *queue->pool;
    if (queue->timeouts_unlogged > 0) {
      log::warning(
          "[pool {}] {} request(s) waited {}s (request_queue_timeout) without a free worker "
          "and were answered 503; you may need to increase pm.max_children",
          pool.name(), queue->timeouts_unlogged, pool.config.request_queue_timeout);
      queue->timeouts_unlogged = 0;
    }
    if (!queue->accepting && hooks_.serving()) {
      loop_.add(pool.listener.get(), EPOLLIN,
                [this, q = queue.get()](uint32_t) { onAcceptable(*q); });
      queue->accepting = true;
    }
  }
}

void RequestQueue::forgetInChild() {
  for (auto& queue : queues_) queue->waiting.clear();
}

}  // namespace fpmd::master
