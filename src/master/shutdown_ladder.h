#pragma once

// A stop or reload in progress and its escalation: SIGQUIT, then SIGTERM and SIGKILL as
// process_control_timeout allows (pm::escalation() decides the rungs; this part keeps the
// state and the timer between them).

#include <functional>

#include "master/pm/process_ctl.h"
#include "os/event_loop.h"

namespace fpmd::master {

class ShutdownLadder {
 public:
  /// Sends `signal` to every child the master has.
  using SignalChildren = std::function<void(int signal)>;

  ShutdownLadder(os::EventLoop& loop, int process_control_timeout, SignalChildren signal_children);

  pm::MasterState state() const { return state_; }
  bool serving() const { return state_ == pm::MasterState::Normal; }
  /// Moves to `requested` when it outranks the stop in progress (pm::requestState) and
  /// climbs from the first rung again. Returns whether the state changed.
  bool request(pm::MasterState requested);
  /// The rung that comes next, when a timer is waiting for it.
  bool climbing() const { return next_rung_.armed(); }

 private:
  void climb();

  int process_control_timeout_;
  SignalChildren signal_children_;
  pm::MasterState state_ = pm::MasterState::Normal;
  int rung_ = 0;
  os::Timer next_rung_;
};

}  // namespace fpmd::master
