#pragma once

// What a worker writes to its stderr after each request, once request shutdown is over
// (shutdown functions and destructors included): PHP-FPM's "\0fscf\0". The master ends
// the worker's pending output line there, so text without a newline is logged with the
// request that wrote it instead of being glued to a later one (catch_workers_output).

#include <string_view>

namespace fpmd::worker {

inline constexpr std::string_view kEndOfRequestMarker{"\0fscf\0", 6};

}  // namespace fpmd::worker
