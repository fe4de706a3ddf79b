#pragma once

// The master's loop: one thread on epoll. Callbacks run on the loop; a callback may add or
// remove fds (removal takes effect at once; an event already fetched for a removed fd is
// dropped).

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "common/unique_fd.h"

namespace fpmd::os {

class EventLoop {
 public:
  using Callback = std::function<void(uint32_t events)>;

  EventLoop();
  void add(int fd, uint32_t events, Callback callback);
  /// New events for an fd already added; its callback stays.
  void modify(int fd, uint32_t events);
  void remove(int fd);
  /// Waits up to timeout_ms (-1: forever) and runs the callbacks of ready fds.
  void runOnce(int timeout_ms);
  int fd() const { return epoll_.get(); }
  /// In a forked child: closes the master's epoll instance; the loop is not used there.
  void closeInChild() {
    epoll_.reset();
    callbacks_.clear();
  }

 private:
  UniqueFd epoll_;
  // shared_ptr so a callback that removes itself stays alive while it runs.
  std::map<int, std::shared_ptr<Callback>> callbacks_;
};

}  // namespace fpmd::os
