#include "audit/render.h"

#include <fmt/format.h>

#include <string_view>

#include "status/escape.h"

namespace fpmd::audit {
namespace {

std::string quoted(std::string_view text) {
  return "\"" + status::render::jsonEscape(text) + "\"";
}

}  // namespace

std::string renderText(const std::vector<Check>& checks, const std::string& config_path) {
  std::string out = fmt::format("fpmd --check-system: {}\n", config_path);
  int counts[3] = {0, 0, 0};
  for (const Check& check : checks) {
    ++counts[static_cast<int>(check.level)];
    out += fmt::format("\n{:<5} {}\n      {}\n", levelName(check.level), check.name, check.message);
    out += fmt::format("      found:  {}\n      needed: {}\n", check.found, check.needed);
    if (!check.fix.empty()) out += fmt::format("      fix:    {}\n", check.fix);
  }
  out += fmt::format("\nresult: {} ({} FAIL, {} WARN, {} OK)\n", levelName(worstLevel(checks)),
                     counts[static_cast<int>(Level::Fail)], counts[static_cast<int>(Level::Warn)],
                     counts[static_cast<int>(Level::Ok)]);
  return out;
}

std::string renderJson(const std::vector<Check>& checks, const std::string& config_path) {
  std::string out =
      fmt::format("{{\"config\":{},\"result\":\"{}\",\"exit_code\":{},\"checks\":[",
                  quoted(config_path), levelName(worstLevel(checks)), exitCode(checks));
  for (size_t i = 0; i < checks.size(); ++i) {
    const Check& check = checks[i];
    out += fmt::format(
        "{}{{\"name\":{},\"level\":\"{}\",\"found\":{},\"needed\":{},\"fix\":{},\"message\":{}}}",
        i == 0 ? "" : ",", quoted(check.name), levelName(check.level), quoted(check.found),
        quoted(check.needed), quoted(check.fix), quoted(check.message));
  }
  out += "]}\n";
  return out;
}

}  // namespace fpmd::audit
