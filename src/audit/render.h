#pragma once

// `fpmd --check-system`'s output: text for a person, JSON (--json) for scripts. The JSON
// shape is documented in docs/check-system.md:
//   {"config": "...", "result": "WARN", "exit_code": 1, "checks": [{"name": "memory",
//    "level": "OK", "found": "...", "needed": "...", "fix": "...", "message": "..."}, ...]}

#include <string>
#include <vector>

#include "audit/check_system.h"

namespace fpmd::audit {

std::string renderText(const std::vector<Check>& checks, const std::string& config_path);
std::string renderJson(const std::vector<Check>& checks, const std::string& config_path);

}  // namespace fpmd::audit
