#pragma once

// Listening sockets carried across a reload (re-exec) in the FPM_SOCKETS environment
// variable, in PHP-FPM's format: "key=fd[,key=fd...]", key as ListenAddress::key().

#include <map>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace fpmd::net {

inline constexpr const char* kInheritedSocketsEnv = "FPM_SOCKETS";

/// fpmd's own: kept-alive web-server connections carried across a reload, by pool name,
/// so the web server does not see them close ("www=7,8;api=9").
inline constexpr const char* kKeptConnectionsEnv = "FPMD_KEPT_CONNECTIONS";
std::map<std::string, std::vector<int>> parseKeptConnections(const std::string& value);
std::string formatKeptConnections(const std::map<std::string, std::vector<int>>& kept);

/// Parses the variable's value; malformed items are skipped.
std::map<std::string, int> parseInheritedSockets(const std::string& value);
std::string formatInheritedSockets(const std::map<std::string, int>& sockets);

/// The sockets handed over by a previous master. Takes each one at most once; what is
/// left unclaimed is closed (and unix paths unlinked) by closeUnclaimed().
class InheritedSockets {
 public:
  /// Reads FPM_SOCKETS and removes it from the environment.
  static InheritedSockets fromEnvironment();
  UniqueFd take(const std::string& key);
  void closeUnclaimed();
  bool empty() const { return sockets_.empty(); }

 private:
  std::map<std::string, int> sockets_;
};

}  // namespace fpmd::net
