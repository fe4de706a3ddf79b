#pragma once

// Keep-alive without pinning: the master holds the idle kept-alive connections workers
// give back and hands each to a free worker when the web server sends its next request;
// a reload carries them to the next master.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "master/pool.h"
#include "os/event_loop.h"

namespace fpmd::master {

class KeepAliveBroker {
 public:
  struct Hooks {
    /// Whether workers take connections now (no stop or reload in progress).
    std::function<bool()> serving;
    /// A connection was queued for the pool's workers.
    std::function<void(Pool&)> queued;
    /// request_queue_timeout: a connection whose request has come goes to the master's
    /// queue instead (true: taken, `fd` moved from).
    std::function<bool(Pool&, UniqueFd&)> take_over;
  };

  KeepAliveBroker(os::EventLoop& loop, Hooks hooks) : loop_(loop), hooks_(std::move(hooks)) {}

  /// Watches the pool's hand-back channel.
  void watchHandbacks(Pool& pool);
  /// Passes on again what the dispatch channel had no room for (on the master's tick).
  void retryPending();
  /// A stop: every held connection closed.
  void closeAll();
  /// Reload: the held and undelivered connections of `pools`, made to survive execv, as
  /// the FPMD_KEPT_CONNECTIONS value; the next master adopts them.
  std::string carry(const std::vector<std::unique_ptr<Pool>>& pools);
  /// A reload: a connection with a request waiting (from the master's queue), carried
  /// with the others.
  void keepForCarry(Pool& pool, UniqueFd fd) {
    pending_dispatch_.push_back(HeldConnection{std::move(fd), &pool});
  }
  /// After a reload's execv: holds the connections the previous master carried.
  void adopt(const std::vector<std::unique_ptr<Pool>>& pools);
  /// In a forked worker: the held connections closed (the loop is already gone).
  void forgetInChild();
  size_t heldCount() const { return held_.size(); }

 private:
  struct HeldConnection {
    UniqueFd fd;
    Pool* pool;
  };

  void onHandback(Pool& pool);
  void hold(Pool& pool, UniqueFd fd);
  /// Holds an idle kept-alive connection: watched until its next request comes.
  void watch(Pool& pool, UniqueFd fd);
  void onHeldReadable(int fd);

  os::EventLoop& loop_;
  Hooks hooks_;
  std::map<int, HeldConnection> held_;
  /// Readable held connections the dispatch channel had no room for (rare): retried.
  std::vector<HeldConnection> pending_dispatch_;
};

}  // namespace fpmd::master
