#include "net/inherited_sockets.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "common/fd_flags.h"
#include "log/log.h"

namespace fpmd::net {
namespace {

// The non-empty pieces of `text` between separators.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  while (!text.empty()) {
    size_t end = std::min(text.find(separator), text.size());
    if (end > 0) pieces.push_back(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return pieces;
}

// A decimal fd within [low, high]; nothing for anything else.
std::optional<int> parseFd(std::string_view text, int low, int high) {
  int fd = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), fd);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  if (fd < low || fd > high) return std::nullopt;
  return fd;
}

}  // namespace

std::map<std::string, int> parseInheritedSockets(const std::string& value) {
  std::map<std::string, int> sockets;
  for (std::string_view item : split(value, ',')) {
    // The key may itself contain '=' only in exotic unix paths; the fd is after the last.
    size_t eq = item.rfind('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    if (auto fd = parseFd(item.substr(eq + 1), 0, 65535))
      sockets[std::string(item.substr(0, eq))] = *fd;
  }
  return sockets;
}

std::string formatInheritedSockets(const std::map<std::string, int>& sockets) {
  std::string out;
  for (const auto& [key, fd] : sockets) {
    if (!out.empty()) out += ',';
    out += fmt::format("{}={}", key, fd);
  }
  return out;
}

std::map<std::string, std::vector<int>> parseKeptConnections(const std::string& value) {
  std::map<std::string, std::vector<int>> kept;
  for (std::string_view item : split(value, ';')) {
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::vector<int>& fds = kept[std::string(item.substr(0, eq))];
    for (std::string_view text : split(item.substr(eq + 1), ',')) {
      if (auto fd = parseFd(text, 3, (1 << 20) - 1)) fds.push_back(*fd);
    }
  }
  return kept;
}

std::string formatKeptConnections(const std::map<std::string, std::vector<int>>& kept) {
  std::string out;
  for (const auto& [pool, fds] : kept) {
    if (fds.empty()) continue;
    if (!out.empty()) out += ';';
    out += pool + '=';
    for (size_t i = 0; i < fds.size(); ++i) out += fmt::format("{}{}", i ? "," : "", fds[i]);
  }
  return out;
}

InheritedSockets InheritedSockets::fromEnvironment() {
  InheritedSockets inherited;
  const char* value = std::getenv(kInheritedSocketsEnv);
  if (value == nullptr) return inherited;
  inherited.sockets_ = parseInheritedSockets(value);
  ::unsetenv(kInheritedSocketsEnv);
  for (auto it = inherited.sockets_.begin(); it != inherited.sockets_.end();) {
    int type = 0;
    socklen_t len = sizeof(type);
    if (::getsockopt(it->second, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
      it = inherited.sockets_.erase(it);  // not an open socket: nothing to adopt
      continue;
    }
    // Ours now: it must not leak into the programs PHP runs.
    if (!setCloseOnExec(it->second, true)) {
      log::sysError(log::Level::Warning, "fcntl(FD_CLOEXEC) failed for \"{}\"", it->first);
    }
    ++it;
  }
  return inherited;
}

UniqueFd InheritedSockets::take(const std::string& key) {
  auto it = sockets_.find(key);
  if (it == sockets_.end()) return UniqueFd();
  int fd = it->second;
  sockets_.erase(it);
  log::notice("using inherited socket fd={}, \"{}\"", fd, key);
  return UniqueFd(fd);
}

void InheritedSockets::closeUnclaimed() {
  for (const auto& [key, fd] : sockets_) {
    ::close(fd);
    if (!key.empty() && key.front() == '/') ::unlink(key.c_str());
  }
  sockets_.clear();
}

}  // namespace fpmd::net
