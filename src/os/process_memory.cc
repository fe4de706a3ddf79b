#include "os/process_memory.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include <fmt/format.h>

#include "common/unique_fd.h"

namespace fpmd::os {
namespace {

// The value of a "Name:   1234 kB" line, in bytes.
std::optional<uint64_t> kilobytes(std::string_view text, std::string_view name) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    std::string_view line = text.substr(at, end == std::string_view::npos ? end : end - at);
    at = end == std::string_view::npos ? text.size() : end + 1;
    if (!line.starts_with(name) || line.size() <= name.size() || line[name.size()] != ':') {
      continue;
    }
    std::string_view rest = line.substr(name.size() + 1);
    rest.remove_prefix(std::min(rest.size(), rest.find_first_not_of(' ')));
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc() || std::string_view(ptr, rest.data() + rest.size()) != " kB") {
      return std::nullopt;
    }
    return value * 1024;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessMemory> parseSmapsRollup(std::string_view text) {
  auto rss = kilobytes(text, "Rss");
  auto pss = kilobytes(text, "Pss");
  if (!rss || !pss) return std::nullopt;
  return ProcessMemory{*rss, *pss};
}

std::optional<ProcessMemory> readProcessMemory(pid_t pid) {
  UniqueFd fd(::open(fmt::format("/proc/{}/smaps_rollup", pid).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return parseSmapsRollup(text);
}

std::optional<uint64_t> parseStatmResident(std::string_view text) {
  size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(space + 1);
  uint64_t pages = 0;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pages);
  if (ec != std::errc() || ptr == rest.data() + rest.size() || *ptr != ' ') return std::nullopt;
  return pages;
}

namespace {

// /proc/self/statm kept open: read after every request, one pread each time. An fd opened
// before a fork names the parent (/proc/self was resolved at open), so a child drops it and
// opens its own on first use; pthread_atfork does that without a getpid() per reading.
int g_statm_fd = -1;

void forgetStatmInChild() {
  if (g_statm_fd >= 0) ::close(g_statm_fd);
  g_statm_fd = -1;
}

}  // namespace

uint64_t ownResidentBytes() {
  static const bool registered = ::pthread_atfork(nullptr, nullptr, forgetStatmInChild) == 0;
  (void)registered;
  if (g_statm_fd < 0) g_statm_fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  const int fd = g_statm_fd;
  if (fd < 0) return 0;
  char buffer[128];
  ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n <= 0) return 0;
  auto pages = parseStatmResident(std::string_view(buffer, static_cast<size_t>(n)));
  return pages ? *pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

OwnUsage ownUsage() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) < 0) return {};
  auto micros = [](const timeval& tv) {
    return static_cast<uint64_t>(tv.tv_sec) * 1000000 + static_cast<uint64_t>(tv.tv_usec);
  };
  return {micros(usage.ru_utime) + micros(usage.ru_stime),
          static_cast<uint64_t>(usage.ru_maxrss) * 1024};  // ru_maxrss is in KiB
}

}  // namespace fpmd::os
