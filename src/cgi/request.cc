#include "cgi/request.h"

#include <algorithm>
#include <cstddef>

namespace fpmd::cgi {

void Params::set(std::string name, std::string value) {
  if (slots_.empty()) {
    if (size_t at = position(name); at != kAbsent) {
      entries_[at].second = std::move(value);
      return;
    }
    entries_.emplace_back(std::move(name), std::move(value));
    if (entries_.size() > kIndexFrom) buildIndex();
    return;
  }
  size_t slot = slotFor(name);
  if (slots_[slot] != 0) {
    entries_[slots_[slot] - 1].second = std::move(value);
    return;
  }
  entries_.emplace_back(std::move(name), std::move(value));
  slots_[slot] = static_cast<uint32_t>(entries_.size());
  if (entries_.size() * 2 > slots_.size()) buildIndex();  // keep it at most half full
}

void Params::erase(std::string_view name) {
  std::erase_if(entries_, [&](const Entry& e) { return e.first == name; });
  if (!slots_.empty()) buildIndex();
}

const std::string* Params::find(std::string_view name) const {
  size_t at = position(name);
  return at == kAbsent ? nullptr : &entries_[at].second;
}

size_t Params::slotFor(std::string_view name) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = std::hash<std::string_view>{}(name)&mask;; i = (i + 1) & mask) {
    uint32_t held = slots_[i];
    if (held == 0 || entries_[held - 1].first == name) return i;
  }
}

size_t Params::position(std::string_view name) const {
  if (slots_.empty()) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].first == name) return i;
    }
    return kAbsent;
  }
  uint32_t held = slots_[slotFor(name)];
  return held == 0 ? kAbsent : held - 1;
}

void Params::buildIndex() {
  size_t size = 64;
  while (size < entries_.size() * 4) size <<= 1;
  slots_.assign(size, 0);
  for (size_t i = 0; i < entries_.size(); ++i) {
    slots_[slotFor(entries_[i].first)] = static_cast<uint32_t>(i + 1);
  }
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
