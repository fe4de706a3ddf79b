#include "audit/check_system.h"

#include <fmt/format.h>

#include <algorithm>

#include "audit/checks.h"
#include "master/pm/memory_policy.h"

namespace fpmd::audit {

const char* levelName(Level level) {
  switch (level) {
    case Level::Warn:
      return "WARN";
    case Level::Fail:
      return "FAIL";
    default:
      return "OK";
  }
}

std::vector<Check> checkSystem(const config::Config& config, const Readings& readings) {
  return {
      memoryCheck(config, readings),    nofileCheck(config, readings),
      fileMaxCheck(config, readings),   somaxconnCheck(config, readings),
      portRangeCheck(config, readings), twReuseCheck(config, readings),
      twRecycleCheck(readings),         finTimeoutCheck(readings),
  };
}

Level worstLevel(const std::vector<Check>& checks) {
  Level worst = Level::Ok;
  for (const Check& check : checks) worst = std::max(worst, check.level);
  return worst;
}

int exitCode(const std::vector<Check>& checks) {
  switch (worstLevel(checks)) {
    case Level::Fail:
      return 2;
    case Level::Warn:
      return 1;
    default:
      return 0;
  }
}

uint64_t mib(uint64_t bytes) {
  return master::pm::roundedMiB(bytes);
}

std::string sysctlFix(std::string_view name, std::string_view value) {
  // A value of several numbers ("32768 60999") is one word for the shell.
  std::string quoted = value.find(' ') == std::string_view::npos
                           ? fmt::format("{}={}", name, value)
                           : fmt::format("\"{}={}\"", name, value);
  return fmt::format("sysctl -w {} && echo '{} = {}' >> /etc/sysctl.d/60-fpmd.conf", quoted, name,
                     value);
}

Check unreadable(std::string name, std::string_view what, std::string_view look) {
  Check check;
  check.name = std::move(name);
  check.level = Level::Warn;
  check.found = "unreadable";
  check.message = fmt::format("cannot read {}: not audited", what);
  check.fix = fmt::format("look by hand: {}", look);
  return check;
}

}  // namespace fpmd::audit
