#include "master/pm/emergency_restart.h"

#include <fmt/format.h>
#include <signal.h>

namespace fpmd::master::pm {

bool EmergencyRestart::onChildDeath(int term_signal, int64_t now_us) {
  if (threshold_ <= 0 || interval_s_ <= 0) return false;
  if (term_signal != SIGSEGV && term_signal != SIGBUS) return false;
  int64_t now_s = now_us / 1'000'000;
  faults_.push_back(now_s);
  if (faults_.size() > static_cast<size_t>(threshold_)) faults_.pop_front();
  if (faults_.size() < static_cast<size_t>(threshold_)) return false;
  if (now_s - faults_.front() > interval_s_) return false;
  faults_.clear();
  return true;
}

std::string EmergencyRestart::message() const {
  return fmt::format("failed processes threshold ({} in {} sec) is reached, initiating reload",
                     threshold_, interval_s_);
}

}  // namespace fpmd::master::pm
