#pragma once

// fpmd's live dashboard (`?dashboard` on the status path): one self-contained HTML page, no
// external resources, whose script polls `?json&full` of the same path and draws the pools,
// the workers and the queue and latency history.

#include <string_view>

namespace fpmd::status {

/// The page's bytes (HTML with its inline CSS and JavaScript).
std::string_view dashboardPage();

}  // namespace fpmd::status
