#include "cgi/request.h"

#include <algorithm>
#include <cstddef>

namespace fpmd::cgi {

void Params::set(std::string name, std::string value) {
  if (size_t at = position(name); at != kAbsent) {
    entries_[at].second = std::move(value);
    return;
  }
  entries_.emplace_back(std::move(name), std::move(value));
  if (!index_.empty()) {
    index_.emplace(entries_.back().first, entries_.size() - 1);
  } else if (entries_.size() > kIndexFrom) {
    buildIndex();
  }
}

void Params::erase(std::string_view name) {
  std::erase_if(entries_, [&](const Entry& e) { return e.first == name; });
  if (!index_.empty()) buildIndex();
}

const std::string* Params::find(std::string_view name) const {
  size_t at = position(name);
  return at == kAbsent ? nullptr : &entries_[at].second;
}

size_t Params::position(std::string_view name) const {
  if (index_.empty()) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].first == name) return i;
    }
    return kAbsent;
  }
  auto it = index_.find(name);
  return it == index_.end() ? kAbsent : it->second;
}

void Params::buildIndex() {
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
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
