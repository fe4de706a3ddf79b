#include "master/pm/process_ctl.h"

#include <signal.h>

namespace fpmd::master::pm {

std::string_view stateName(MasterState state) {
  switch (state) {
    case MasterState::Normal:
      return "normal";
    case MasterState::Reloading:
      return "reloading";
    case MasterState::Finishing:
      return "finishing";
    case MasterState::Terminating:
      return "terminating";
  }
  return "unknown";
}

std::optional<MasterState> requestState(MasterState current, MasterState requested) {
  auto rank = [](MasterState s) {
    switch (s) {
      case MasterState::Normal:
        return 0;
      case MasterState::Reloading:
        return 1;
      case MasterState::Finishing:
        return 2;
      case MasterState::Terminating:
        return 3;
    }
    return 0;
  };
  if (rank(requested) <= rank(current)) return std::nullopt;
  return requested;
}

std::optional<EscalationStep> escalation(MasterState state, int step, int control_timeout) {
  switch (state) {
    case MasterState::Normal:
      return std::nullopt;
    case MasterState::Terminating:
      // Immediate stop: TERM now, KILL once process_control_timeout has passed.
      if (step == 0) return EscalationStep{SIGTERM, control_timeout};
      if (step == 1) return EscalationStep{SIGKILL, std::nullopt};
      return std::nullopt;
    case MasterState::Finishing:
    case MasterState::Reloading:
      // Graceful: QUIT lets each child finish its request. Escalate only when the admin
      // bounded the wait.
      if (step == 0) {
        return EscalationStep{
            SIGQUIT, control_timeout > 0 ? std::optional<int>(control_timeout) : std::nullopt};
      }
      if (step == 1) return EscalationStep{SIGTERM, 1};
      if (step == 2) return EscalationStep{SIGKILL, std::nullopt};
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace fpmd::master::pm
