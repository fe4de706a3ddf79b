#pragma once

// The master's state machine (PHP-FPM's fpm_pctl): which stop or reload is in progress,
// which signal to send its children next, and when.

#include <optional>
#include <string_view>

namespace fpmd::master::pm {

enum class MasterState { Normal, Reloading, Finishing, Terminating };

std::string_view stateName(MasterState state);

/// PHP-FPM's precedence: terminating > finishing > reloading > normal. A request for the
/// state already in progress, or for a weaker one, is ignored (nullopt); finishing may
/// override reloading.
std::optional<MasterState> requestState(MasterState current, MasterState requested);

/// One rung of the escalation ladder.
struct EscalationStep {
  int signal;
  /// Seconds to wait after this signal before the next rung; nullopt: no further rung.
  std::optional<int> wait_after;
};

/// The signal to send at rung `step` (0 = the first signal) of a stop in `state`, given
/// process_control_timeout. nullopt: nothing more to send, keep waiting for the children.
///
/// Terminating: SIGTERM, then SIGKILL after the timeout (at once when it is 0).
/// Finishing and Reloading: SIGQUIT, then, if the timeout is above 0, SIGTERM after it
/// and SIGKILL one second later. With the default timeout of 0, PHP-FPM escalates at once
/// and kills in-flight requests; fpmd lets them finish instead (a graceful stop or reload
/// is graceful): bound such requests with request_terminate_timeout.
std::optional<EscalationStep> escalation(MasterState state, int step, int control_timeout);

}  // namespace fpmd::master::pm
