#include "net/inherited_sockets.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "log/log.h"

namespace fpmd::net {

std::map<std::string, int> parseInheritedSockets(const std::string& value) {
  std::map<std::string, int> sockets;
  size_t start = 0;
  while (start < value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string item = value.substr(start, comma - start);
    start = comma + 1;
    // The key may itself contain '=' only in exotic unix paths; the fd is after the last.
    size_t eq = item.rfind('=');
    if (eq == std::string::npos || eq == 0) continue;
    const std::string fd_text = item.substr(eq + 1);
    char* end = nullptr;
    long fd = std::strtol(fd_text.c_str(), &end, 10);
    if (fd_text.empty() || *end != '\0' || fd < 0 || fd > 65535) continue;
    sockets[item.substr(0, eq)] = static_cast<int>(fd);
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
  size_t start = 0;
  while (start < value.size()) {
    size_t end = value.find(';', start);
    if (end == std::string::npos) end = value.size();
    std::string item = value.substr(start, end - start);
    start = end + 1;
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::vector<int>& fds = kept[item.substr(0, eq)];
    size_t pos = eq + 1;
    while (pos < item.size()) {
      size_t comma = item.find(',', pos);
      if (comma == std::string::npos) comma = item.size();
      std::string text = item.substr(pos, comma - pos);
      pos = comma + 1;
      char* stop = nullptr;
      long fd = std::strtol(text.c_str(), &stop, 10);
      if (!text.empty() && *stop == '\0' && fd > 2 && fd < 1 << 20)
        fds.push_back(static_cast<int>(fd));
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
    ::fcntl(it->second, F_SETFD, FD_CLOEXEC);
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
