#pragma once

// fpmd's live dashboard: an HTML page (`?dashboard` on the status path) with its script
// (`?dashboard.js`) and stylesheet (`?dashboard.css`) beside it on the same path. It loads
// nothing else; the script polls `?json&full` of that path and draws the pools, the workers
// and the queue and latency history. The files are src/status/dashboard/*, embedded by the
// build.

#include <optional>
#include <string_view>

#include "status/page.h"

namespace fpmd::status {

struct DashboardFile {
  std::string_view bytes;
  /// With its charset: the files are UTF-8 whatever the pool's default_charset says.
  std::string_view content_type;
  /// A strong entity tag (quoted), from the build's SHA-256 of the bytes.
  std::string_view etag;
};

/// The file a dashboard format answers (Dashboard, DashboardScript, DashboardStyle);
/// nullopt for the status page's other formats.
std::optional<DashboardFile> dashboardFile(StatusFormat format);

/// The Content-Security-Policy header the page is served with: scripts, styles and requests
/// from its own origin only, nothing inline. The page's meta element repeats it, without
/// frame-ancestors (which a meta element cannot set).
std::string_view dashboardContentSecurityPolicy();

}  // namespace fpmd::status
