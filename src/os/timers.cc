#include "os/timers.h"

#include <vector>

namespace fpmd::os {

Timers::Id Timers::schedule(int64_t when_us, Callback callback) {
  Id id = next_id_++;
  by_deadline_.emplace(std::pair{when_us, id}, std::move(callback));
  deadline_of_.emplace(id, when_us);
  return id;
}

void Timers::cancel(Id id) {
  auto it = deadline_of_.find(id);
  if (it == deadline_of_.end()) return;
  by_deadline_.erase(std::pair{it->second, id});
  deadline_of_.erase(it);
}

std::optional<int64_t> Timers::nextDeadline() const {
  if (by_deadline_.empty()) return std::nullopt;
  return by_deadline_.begin()->first.first;
}

size_t Timers::runDue(int64_t now_us) {
  // Only those scheduled before this call: see the header.
  const Id newest = next_id_ - 1;
  std::vector<Id> due;
  for (const auto& [key, callback] : by_deadline_) {
    if (key.first > now_us) break;
    if (key.second <= newest) due.push_back(key.second);
  }
  size_t ran = 0;
  for (Id id : due) {
    auto it = deadline_of_.find(id);
    if (it == deadline_of_.end()) continue;  // cancelled by an earlier callback
    auto node = by_deadline_.extract(std::pair{it->second, id});
    deadline_of_.erase(it);
    node.mapped()();
    ++ran;
  }
  return ran;
}

}  // namespace fpmd::os
