#include "master/shutdown_ladder.h"

#include "log/log.h"

namespace fpmd::master {

ShutdownLadder::ShutdownLadder(os::EventLoop& loop, int process_control_timeout,
                               SignalChildren signal_children)
    : process_control_timeout_(process_control_timeout),
      signal_children_(std::move(signal_children)),
      next_rung_(loop, [this] { climb(); }) {}

bool ShutdownLadder::request(pm::MasterState requested) {
  std::optional<pm::MasterState> next = pm::requestState(state_, requested);
  if (!next) return false;
  state_ = *next;
  log::debug("switching to '{}' state", pm::stateName(state_));
  rung_ = 0;
  next_rung_.disarm();
  climb();
  return true;
}

void ShutdownLadder::climb() {
  std::optional<pm::EscalationStep> step = pm::escalation(state_, rung_, process_control_timeout_);
  if (!step) return;
  signal_children_(step->signal);
  ++rung_;
  if (step->wait_after) next_rung_.armAfter(int64_t{*step->wait_after} * 1'000'000);
}

}  // namespace fpmd::master
