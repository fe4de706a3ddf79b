#pragma once

// The master's loop: one thread on epoll, and timers on the monotonic clock it is given.
// Callbacks run on the loop; a callback may add or remove fds (removal takes effect at
// once; an event already fetched for a removed fd is dropped) and arm or disarm timers.

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "common/unique_fd.h"
#include "os/clock.h"
#include "os/timers.h"

namespace fpmd::os {

class EventLoop {
 public:
  using Callback = std::function<void(uint32_t events)>;

  explicit EventLoop(const Clock& clock);
  void add(int fd, uint32_t events, Callback callback);
  /// New events for an fd already added; its callback stays.
  void modify(int fd, uint32_t events);
  void remove(int fd);
  /// Waits for ready fds until the next timer is due (at most max_wait_ms; -1: no bound of
  /// its own), runs their callbacks, then the timers that are due.
  void runOnce(int max_wait_ms = -1);
  int fd() const { return epoll_.get(); }
  const Clock& clock() const { return clock_; }
  Timers& timers() { return timers_; }
  /// In a forked child: closes the master's epoll instance; the loop is not used there.
  void closeInChild() {
    epoll_.reset();
    callbacks_.clear();
    timers_ = Timers();
  }

 private:
  const Clock& clock_;
  UniqueFd epoll_;
  // shared_ptr so a callback that removes itself stays alive while it runs.
  std::map<int, std::shared_ptr<Callback>> callbacks_;
  Timers timers_;
};

/// One timer of a part, owned: armed again replaces the deadline, and destroying it
/// disarms it, so a callback never outlives the part that set it.
class Timer {
 public:
  Timer(EventLoop& loop, std::function<void()> callback)
      : loop_(loop), callback_(std::move(callback)) {}
  ~Timer() { disarm(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void armAt(int64_t when_us);
  void armAfter(int64_t delay_us) { armAt(loop_.clock().nowMicros() + delay_us); }
  void disarm();
  bool armed() const { return armed_; }
  /// The deadline it is armed for (meaningful only while armed()).
  int64_t deadline() const { return deadline_; }

 private:
  EventLoop& loop_;
  std::function<void()> callback_;
  Timers::Id id_ = 0;
  int64_t deadline_ = 0;
  bool armed_ = false;
};

}  // namespace fpmd::os
