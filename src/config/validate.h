#pragma once

// PHP-FPM's fpm_conf_post_process() and fpm_conf_process_all_pools(): defaults that depend
// on other settings, absolute paths, range checks, the cross-pool listen check, and the
// user/group lookup. Messages (and their levels) are PHP-FPM's.

#include "common/result.h"
#include "config/config.h"

namespace fpmd::config {

/// Logs the failing check and returns its text.
Status postProcess(Config& config, const LoadOptions& options);

/// user/group names → uid/gid (group defaults to the user's primary group).
Status resolveUsers(Config& config, const LoadOptions& options);

}  // namespace fpmd::config
