#include "master/worker_output.h"

#include <fmt/format.h>

namespace fpmd::master {

size_t WorkerOutput::maxText() const {
  // Room left for the text once the prefix and quotes are added, so a wrapped line still
  // fits in log_limit. The prefix is at most ~80 characters plus the pool name.
  size_t overhead = decorate_ ? pool_.size() + 80 : 0;
  return limit_ > overhead + 16 ? limit_ - overhead : 16;
}

std::string WorkerOutput::decorate(std::string_view text, bool closing) const {
  if (!decorate_) return std::string(text);
  return fmt::format("[pool {}] child {} said into {}: \"{}\"{}", pool_, pid_, stream_, text,
                     closing ? ", pipe is closed" : "");
}

std::vector<std::string> WorkerOutput::feed(std::string_view data) {
  std::vector<std::string> messages;
  pending_.append(data);
  size_t start = 0;
  for (;;) {
    size_t newline = pending_.find('\n', start);
    size_t available = (newline == std::string::npos ? pending_.size() : newline) - start;
    if (available >= maxText()) {
      messages.push_back(decorate(std::string_view(pending_).substr(start, maxText()), false));
      start += maxText();
      continue;
    }
    if (newline == std::string::npos) break;
    messages.push_back(decorate(std::string_view(pending_).substr(start, available), false));
    start = newline + 1;
  }
  pending_.erase(0, start);
  return messages;
}

std::vector<std::string> WorkerOutput::close() {
  std::vector<std::string> messages;
  if (!pending_.empty()) messages.push_back(decorate(pending_, true));
  pending_.clear();
  return messages;
}

}  // namespace fpmd::master
