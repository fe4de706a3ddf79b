#include "os/host_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace fpmd::os {
namespace {

// v1 says "no limit" with the largest page-aligned signed value (9223372036854771712).
constexpr uint64_t kNoLimitAbove = uint64_t{1} << 62;

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t end = text.find('\n');
    out.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < line.size()) {
    size_t start = line.find_first_not_of(" \t", at);
    if (start == std::string_view::npos) break;
    size_t end = line.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = line.size();
    out.push_back(line.substr(start, end - start));
    at = end;
  }
  return out;
}

std::optional<uint64_t> number(std::string_view text) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// "Name:   1234 kB" in bytes.
std::optional<uint64_t> meminfoField(std::string_view text, std::string_view name) {
  for (std::string_view line : lines(text)) {
    if (!line.starts_with(name) || line.size() <= name.size() || line[name.size()] != ':') {
      continue;
    }
    std::vector<std::string_view> parts = words(line.substr(name.size() + 1));
    if (parts.size() != 2 || parts[1] != "kB") return std::nullopt;
    auto kb = number(parts[0]);
    if (!kb) return std::nullopt;
    return *kb * 1024;
  }
  return std::nullopt;
}

std::optional<double> avg10(std::string_view line) {
  for (std::string_view word : words(line)) {
    if (!word.starts_with("avg10=")) continue;
    word.remove_prefix(6);
    double value = 0;
    auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (ec != std::errc() || ptr != word.data() + word.size()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

UniqueFd openForReading(const std::string& path) {
  if (path.empty()) return UniqueFd();
  return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

std::string readWholeFile(const std::string& path) {
  UniqueFd fd = openForReading(path);
  return fd ? preadAll(fd.get()) : std::string();
}

// The cgroup path of a mount's root, and where it is mounted, from a mountinfo line, when
// the filesystem is `fstype` and (v1) its super options name `option`.
struct Mount {
  std::string_view root, point;
};
std::optional<Mount> cgroupMount(std::string_view line, std::string_view fstype,
                                 std::string_view option) {
  std::vector<std::string_view> parts = words(line);
  auto dash = std::find(parts.begin(), parts.end(), "-");
  if (parts.size() < 5 || dash == parts.end() || parts.end() - dash < 4) return std::nullopt;
  if (dash[1] != fstype) return std::nullopt;
  if (!option.empty()) {
    std::string_view options = dash[3];
    bool found = false;
    while (!options.empty()) {
      size_t comma = options.find(',');
      if (options.substr(0, comma) == option) found = true;
      if (comma == std::string_view::npos) break;
      options.remove_prefix(comma + 1);
    }
    if (!found) return std::nullopt;
  }
  return Mount{parts[3], parts[4]};
}

// `path` below the mount whose root is `root`: a container sees its own cgroup as "/".
std::string joinBelow(std::string_view point, std::string_view root, std::string_view path) {
  if (root != "/" && path.starts_with(root)) path.remove_prefix(root.size());
  std::string dir(point);
  if (!path.empty() && path != "/") dir += path;
  return dir;
}

}  // namespace

std::string preadAll(int fd) {
  std::string text;
  char buffer[4096];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer, sizeof(buffer), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
  return text;
}

std::optional<MemInfo> parseMeminfo(std::string_view text) {
  auto total = meminfoField(text, "MemTotal");
  auto available = meminfoField(text, "MemAvailable");
  if (!total || !available) return std::nullopt;
  return MemInfo{*total, *available};
}

std::optional<Pressure> parsePressure(std::string_view text) {
  std::optional<double> some, full;
  for (std::string_view line : lines(text)) {
    if (line.starts_with("some ")) some = avg10(line);
    if (line.starts_with("full ")) full = avg10(line);
  }
  if (!some) return std::nullopt;
  return Pressure{*some, full.value_or(0)};
}

std::optional<uint64_t> statValue(std::string_view stat_text, std::string_view name) {
  for (std::string_view line : lines(stat_text)) {
    std::vector<std::string_view> parts = words(line);
    if (parts.size() == 2 && parts[0] == name) return number(parts[1]);
  }
  return std::nullopt;
}

std::optional<uint64_t> parseLimit(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text == "max") return UINT64_MAX;
  auto value = number(text);
  if (!value) return std::nullopt;
  return *value >= kNoLimitAbove ? UINT64_MAX : *value;
}

const char* cgroupVersionName(CgroupVersion version) {
  switch (version) {
    case CgroupVersion::V1:
      return "v1";
    case CgroupVersion::V2:
      return "v2";
    default:
      return "none";
  }
}

CgroupLocation findMemoryCgroup(std::string_view proc_cgroup, std::string_view mountinfo,
                                bool (*v2_has_memory)(const std::string& dir)) {
  std::optional<std::string_view> v1_path, v2_path;
  for (std::string_view line : lines(proc_cgroup)) {
    // "4:memory:/system.slice/x" (v1), "0::/system.slice/x" (v2)
    size_t first = line.find(':');
    size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    std::string_view controllers = line.substr(first + 1, second - first - 1);
    std::string_view path = line.substr(second + 1);
    if (line.substr(0, first) == "0" && controllers.empty()) {
      v2_path = path;
      continue;
    }
    while (!controllers.empty()) {
      size_t comma = controllers.find(',');
      if (controllers.substr(0, comma) == "memory") v1_path = path;
      if (comma == std::string_view::npos) break;
      controllers.remove_prefix(comma + 1);
    }
  }
  for (std::string_view line : lines(mountinfo)) {
    if (v1_path) {
      if (auto mount = cgroupMount(line, "cgroup", "memory")) {
        return {CgroupVersion::V1, joinBelow(mount->point, mount->root, *v1_path),
                std::string(mount->point)};
      }
    } else if (v2_path) {
      if (auto mount = cgroupMount(line, "cgroup2", "")) {
        std::string dir = joinBelow(mount->point, mount->root, *v2_path);
        if (v2_has_memory == nullptr || v2_has_memory(dir)) {
          return {CgroupVersion::V2, dir, std::string(mount->point)};
        }
      }
    }
  }
  return {};
}

HostMemoryProbe::Paths HostMemoryProbe::pathsForThisProcess() {
  Paths paths;
  paths.cgroup =
      findMemoryCgroup(readWholeFile("/proc/self/cgroup"), readWholeFile("/proc/self/mountinfo"),
                       [](const std::string& dir) {
                         // Only a cgroup with the memory controller enabled has memory.max; the
                         // root has none either, and no limit: /proc/meminfo tells the same.
                         return ::access((dir + "/memory.max").c_str(), R_OK) == 0;
                       });
  return paths;
}

HostMemoryProbe::HostMemoryProbe(Paths paths) : paths_(std::move(paths)) {
  meminfo_ = openForReading(paths_.meminfo);
  const CgroupLocation& cgroup = paths_.cgroup;
  if (cgroup.version == CgroupVersion::V1) {
    limit_ = openForReading(cgroup.dir + "/memory.limit_in_bytes");
    usage_ = openForReading(cgroup.dir + "/memory.usage_in_bytes");
    stat_ = openForReading(cgroup.dir + "/memory.stat");
    pressure_ = openForReading(paths_.host_pressure);  // v1 has no PSI of its own
  } else if (cgroup.version == CgroupVersion::V2) {
    limit_ = openForReading(cgroup.dir + "/memory.max");
    usage_ = openForReading(cgroup.dir + "/memory.current");
    stat_ = openForReading(cgroup.dir + "/memory.stat");
    pressure_ = openForReading(cgroup.dir + "/memory.pressure");
    if (!pressure_) pressure_ = openForReading(paths_.host_pressure);
    // Limits above ours, read once: they are set by whoever runs us and rarely change.
    std::string dir = cgroup.dir;
    while (dir.size() > cgroup.mount.size()) {
      dir.resize(dir.rfind('/'));
      if (dir.size() <= cgroup.mount.size()) break;
      if (auto limit = parseLimit(readWholeFile(dir + "/memory.max"))) {
        ancestors_limit_ = std::min(ancestors_limit_, *limit);
      }
    }
  } else {
    pressure_ = openForReading(paths_.host_pressure);
  }
}

void HostMemoryProbe::closeInChild() {
  meminfo_.reset();
  pressure_.reset();
  limit_.reset();
  usage_.reset();
  stat_.reset();
}

std::optional<HostMemory> HostMemoryProbe::read() const {
  if (!meminfo_) return std::nullopt;
  std::optional<MemInfo> host = parseMeminfo(preadAll(meminfo_.get()));
  if (!host) return std::nullopt;
  HostMemory reading;
  reading.limit = host->total;
  reading.used = host->total - std::min(host->total, host->available);
  if (pressure_) reading.pressure = parsePressure(preadAll(pressure_.get()));

  std::optional<uint64_t> limit = limit_ ? parseLimit(preadAll(limit_.get())) : std::nullopt;
  std::optional<uint64_t> usage =
      usage_ ? parseLimit(preadAll(usage_.get())) : std::optional<uint64_t>();
  if (limit && usage) {
    std::string stat = stat_ ? preadAll(stat_.get()) : std::string();
    uint64_t cgroup_limit = std::min(*limit, ancestors_limit_);
    uint64_t inactive_file = 0;
    if (paths_.cgroup.version == CgroupVersion::V1) {
      // A v1 child's own limit says nothing of its parents'; memory.stat adds them up.
      if (auto hierarchical = statValue(stat, "hierarchical_memory_limit")) {
        cgroup_limit = std::min(cgroup_limit, *parseLimit(std::to_string(*hierarchical)));
      }
      inactive_file = statValue(stat, "total_inactive_file").value_or(0);
    } else {
      inactive_file = statValue(stat, "inactive_file").value_or(0);
    }
    if (cgroup_limit < host->total) {
      reading.source = paths_.cgroup.version;
      reading.limit = cgroup_limit;
      reading.used = *usage - std::min(*usage, inactive_file);
    }
  }
  uint64_t room = reading.limit - std::min(reading.limit, reading.used);
  reading.available = std::min(room, host->available);
  return reading;
}

}  // namespace fpmd::os
