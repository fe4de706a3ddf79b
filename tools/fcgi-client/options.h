#pragma once

// fcgi-client's command line.

#include <optional>
#include <string>
#include <vector>

#include "fastcgi/client_codec.h"

namespace fpmd::fcgi_client {

struct Options {
  std::string address;  // unix:/path, /path or host:port
  fastcgi::ParamList params;
  std::optional<std::string> stdin_file;  // "-": standard input
  bool keep_conn = false;
  int repeat = 1;
  int role = 1;
  int request_id = 1;
  bool get_values = false;
};

extern const char kUsage[];

/// Parses the command line (args[0] the program). On failure returns nullopt and sets
/// `error` (empty for --help).
std::optional<Options> parseArgs(const std::vector<std::string>& args, std::string& error);

}  // namespace fpmd::fcgi_client
