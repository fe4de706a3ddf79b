#include "os/event_loop.h"

#include <cerrno>
#include <stdexcept>

#include "log/log.h"

namespace fpmd::os {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!epoll_) throw std::runtime_error("epoll_create1() failed");
}

void EventLoop::add(int fd, uint32_t events, Callback callback) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
    log::sysError(log::Level::Error, "epoll_ctl(ADD, {}) failed", fd);
    return;
  }
  callbacks_[fd] = std::make_shared<Callback>(std::move(callback));
}

void EventLoop::modify(int fd, uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event) < 0) {
    log::sysError(log::Level::Error, "epoll_ctl(MOD, {}) failed", fd);
  }
}

void EventLoop::remove(int fd) {
  if (callbacks_.erase(fd) == 0) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::runOnce(int timeout_ms) {
  epoll_event events[64];
  int n = ::epoll_wait(epoll_.get(), events, 64, timeout_ms);
  if (n < 0) {
    if (errno != EINTR) log::sysError(log::Level::Error, "epoll_wait() failed");
    return;
  }
  for (int i = 0; i < n; ++i) {
    auto it = callbacks_.find(events[i].data.fd);
    if (it == callbacks_.end()) continue;  // removed by an earlier callback of this batch
    std::shared_ptr<Callback> callback = it->second;
    (*callback)(events[i].events);
  }
}

}  // namespace fpmd::os
