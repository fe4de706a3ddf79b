#pragma once

// request_queue_timeout: a bound on how long a request waits for a worker, and one queue
// in arrival order. Without it, waiting connections sit in the kernel's listen backlog (and
// kept-alive ones in the dispatch channel), where nobody knows how long they have waited,
// and a worker takes from the two in turn. With it, the master accepts the pool's
// connections itself as they come, stamps each with the time, and keeps them — with kept
// connections whose next request has come — in one FIFO. A free worker asks for one
// (queue_credits) and gets the oldest through the dispatch channel; a request that has
// waited request_queue_timeout is answered 503 with Retry-After by the master, logged
// (once a second, with the count) and counted in the status page ("queue timeouts").

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "common/unique_fd.h"
#include "master/pool.h"
#include "os/event_loop.h"

namespace fpmd::master {

class RequestQueue {
 public:
  struct Hooks {
    /// Whether workers take connections now (no stop or reload in progress).
    std::function<bool()> serving;
    /// A connection was queued for the pool (ondemand forks a worker for it).
    std::function<void(Pool&)> queued;
  };

  RequestQueue(os::EventLoop& loop, Hooks hooks) : loop_(loop), hooks_(std::move(hooks)) {}

  /// Takes over accepting for the pools with request_queue_timeout.
  void start(const std::vector<std::unique_ptr<Pool>>& pools);
  /// Whether `pool`'s connections go through this queue.
  bool queues(const Pool& pool) const { return find(pool) != nullptr; }
  /// A kept connection whose next request has come joins the queue (false: not a pool of
  /// this queue, `fd` untouched).
  bool enqueue(Pool& pool, UniqueFd& fd);
  /// A reload: every waiting connection, for the next master to take over.
  std::vector<std::pair<Pool*, UniqueFd>> takeAll();
  /// The master's heartbeat: logs the 503s since the last one.
  void tick();
  /// In a forked worker: the queued connections closed.
  void forgetInChild();

 private:
  struct Waiting {
    UniqueFd fd;
    int64_t arrived_us;
  };
  struct PoolQueue {
    Pool* pool = nullptr;
    std::deque<Waiting> waiting;
    uint64_t credits = 0;            // workers that asked for a connection and got none yet
    bool accepting = false;          // the listener is in the loop
    bool waiting_signalled = false;  // queue_waiting's counter is non-zero
    uint64_t timeouts_unlogged = 0;
    std::unique_ptr<os::Timer> expiry;
  };

  PoolQueue* find(const Pool& pool) const;
  void onAcceptable(PoolQueue& queue);
  void onCredits(PoolQueue& queue);
  /// Hands the oldest connections to the workers that asked, answers the expired ones.
  void pump(PoolQueue& queue);
  void expire(PoolQueue& queue);
  void answerUnavailable(PoolQueue& queue, Waiting waiting);
  /// The scoreboard's count, queue_waiting and the expiry timer, after a change.
  void publish(PoolQueue& queue);
  int64_t timeoutMicros(const PoolQueue& queue) const;

  os::EventLoop& loop_;
  Hooks hooks_;
  std::vector<std::unique_ptr<PoolQueue>> queues_;
};

}  // namespace fpmd::master
