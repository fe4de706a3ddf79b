#include "cgi/request.h"

#include <cstddef>

namespace fpmd::cgi {

void Params::set(std::string name, std::string value) {
  if (auto it = index_.find(name); it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(name, entries_.size());
  entries_.emplace_back(std::move(name), std::move(value));
}

void Params::erase(std::string_view name) {
  auto it = index_.find(name);
  if (it == index_.end()) return;
  const size_t at = it->second;
  index_.erase(it);
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(at));
  for (auto& [_, position] : index_) {
    if (position > at) --position;
  }
}

const std::string* Params::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

std::string_view Params::get(std::string_view name) const {
  const std::string* value = find(name);
  return value ? std::string_view(*value) : std::string_view();
}

const char* stageName(Stage stage) {
  switch (stage) {
    case Stage::Idle:
      return "Idle";
    case Stage::ReadingHeaders:
      return "Reading headers";
    case Stage::GettingRequestInfo:
      return "Getting request information";
    case Stage::Running:
      return "Running";
    case Stage::Finishing:
      return "Finishing";
    case Stage::Ending:
      return "Ending";
  }
  return "Unknown";
}

}  // namespace fpmd::cgi
