#pragma once

// `fpmd status` (alias `fpmd top`): a pool's status page, fetched over FastCGI, as a live
// table in the terminal or as JSON lines for scripts.

#include <string>
#include <vector>

namespace fpmd::top {

struct StatusOptions {
  enum class Action { Run, Help, Usage };
  Action action = Action::Run;
  std::string address;           // --connect or the positional argument
  std::string path = "/status";  // the pool's pm.status_path
  int interval_ms = 1000;
  bool once = false;
  bool json = false;
  bool all = false;   // ?all: every pool of the master (a pm.status_listen socket)
  std::string error;  // why parsing failed (Action::Usage)
};

/// argv names the subcommand: `fpmd status …` or `fpmd top …`.
bool isStatusCommand(const std::vector<std::string>& args);

/// Parses argv (args[0] the program, args[1] the subcommand).
StatusOptions parseStatusOptions(const std::vector<std::string>& args);

std::string statusUsageText(const std::string& program);

/// Runs the subcommand. Exit status: 0, 1 when the page cannot be fetched or read with
/// --once, 64 on bad usage.
int runStatusCommand(const std::vector<std::string>& args, const std::string& program);

}  // namespace fpmd::top
