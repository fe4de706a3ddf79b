#include "cgi/request.h"

#include <algorithm>

namespace fpmd::cgi {

void Params::set(std::string name, std::string value) {
  for (auto& entry : entries_) {
    if (entry.first == name) {
      entry.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(name), std::move(value));
}

void Params::erase(std::string_view name) {
  std::erase_if(entries_, [&](const Entry& e) { return e.first == name; });
}

const std::string* Params::find(std::string_view name) const {
  for (const auto& entry : entries_) {
    if (entry.first == name) return &entry.second;
  }
  return nullptr;
}

std::string_view Params::get(std::string_view name) const {
  const std::string* value = find(name);
  return value ? std::string_view(*value) : std::string_view();
}

const char* stageName(Stage stage) {
  switch (stage) {
    case Stage::Idle: return "Idle";
    case Stage::ReadingHeaders: return "Reading headers";
    case Stage::GettingRequestInfo: return "Getting request information";
    case Stage::Running: return "Running";
    case Stage::Finishing: return "Finishing";
    case Stage::Ending: return "Ending";
  }
  return "Unknown";
}

}  // namespace fpmd::cgi
