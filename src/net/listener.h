#pragma once

// Listening sockets: TCP (IPv4, IPv6 dual-stack) and unix, with PHP-FPM's owner, group
// and mode handling for unix paths.

#include <sys/types.h>

#include <optional>

#include "common/result.h"
#include "common/unique_fd.h"
#include "net/listen_address.h"

namespace fpmd::net {

struct ListenOptions {
  /// -1 lets the kernel use net.core.somaxconn (PHP-FPM 8.2's default).
  int backlog = -1;
  std::optional<uid_t> owner;
  std::optional<gid_t> group;
  mode_t mode = 0660;
};

/// Creates, binds and listens. The fd is close-on-exec; a reload clears that flag for the
/// sockets it hands to the next master. Errors are worded for the log ("unable to bind
/// listening socket for address '...': Address already in use (98)").
Result<UniqueFd> openListener(const ListenAddress& address, const ListenOptions& options);

/// Applies owner, group and mode to an existing unix socket path.
Status applyUnixPermissions(const std::string& path, const ListenOptions& options);

/// The accept-queue limit the kernel applies (for status and --check-system).
int effectiveBacklog(int configured);

}  // namespace fpmd::net
