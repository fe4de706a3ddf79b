#pragma once

// A failure that repeats (a full disk under the slowlog, the error log gone, no fd left to
// accept with) is said once while it lasts: the first failure of an episode is logged, the
// repeats are not, and the first success after it may say that it is over.

#include <utility>

namespace fpmd::log {

class FailureEpisode {
 public:
  /// One more failure. True when it starts an episode: the one to log.
  bool failed() { return !std::exchange(failing_, true); }
  /// A success. True when it ends an episode: the moment to say so, if wanted.
  bool succeeded() { return std::exchange(failing_, false); }
  bool failing() const { return failing_; }

 private:
  bool failing_ = false;
};

}  // namespace fpmd::log
