#pragma once

// fcgi-bench's command line and request file.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fastcgi/client_codec.h"

namespace fpmd::bench {

struct Options {
  std::string address;  // unix:/path, /path or host:port
  int connections = 8;
  int threads = 1;
  double duration_s = 10;
  uint64_t requests = 0;  // when set, a request count replaces the duration
  double warmup_s = 1;
  bool keep_alive = true;
  double timeout_s = 2;
  fastcgi::ParamList params;
  std::string body;
  bool json = false;
};

extern const char kUsage[];

/// Parses the command line (args[0] the program); reads the --request and --body files
/// it names. On failure returns nullopt and sets `error` (empty for --help).
std::optional<Options> parseArgs(const std::vector<std::string>& args, std::string& error);

}  // namespace fpmd::bench
