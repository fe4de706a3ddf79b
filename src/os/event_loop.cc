#include "os/event_loop.h"

#include <cerrno>
#include <climits>
#include <stdexcept>

#include "log/log.h"

namespace fpmd::os {

EventLoop::EventLoop(const Clock& clock) : clock_(clock), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
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

void EventLoop::runOnce(int max_wait_ms) {
  int timeout_ms = max_wait_ms;
  if (std::optional<int64_t> next = timers_.nextDeadline()) {
    int64_t now = clock_.nowMicros();
    // Rounded up: waking a little early would only turn the loop without running the timer.
    int64_t until_ms = *next <= now ? 0 : (*next - now + 999) / 1000;
    if (until_ms > INT_MAX) until_ms = INT_MAX;
    if (timeout_ms < 0 || until_ms < timeout_ms) timeout_ms = static_cast<int>(until_ms);
  }
  epoll_event events[64];
  int n = ::epoll_wait(epoll_.get(), events, 64, timeout_ms);
  if (n < 0) {
    if (errno != EINTR) log::sysError(log::Level::Error, "epoll_wait() failed");
    n = 0;
  }
  for (int i = 0; i < n; ++i) {
    auto it = callbacks_.find(events[i].data.fd);
    if (it == callbacks_.end()) continue;  // removed by an earlier callback of this batch
    std::shared_ptr<Callback> callback = it->second;
    (*callback)(events[i].events);
  }
  timers_.runDue(clock_.nowMicros());
}

void Timer::armAt(int64_t when_us) {
  disarm();
  deadline_ = when_us;
  armed_ = true;
  id_ = loop_.timers().schedule(when_us, [this] {
    armed_ = false;
    callback_();
  });
}

void Timer::disarm() {
  if (!armed_) return;
  loop_.timers().cancel(id_);
  armed_ = false;
}

}  // namespace fpmd::os
