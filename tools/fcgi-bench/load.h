#pragma once

// The load itself: threads of non-blocking connections, each sending the same encoded
// request over and over, timing each answer.

#include <array>
#include <cstdint>
#include <string>

#include "histogram.h"
#include "options.h"

namespace fpmd::bench {

enum class ErrorKind {
  Connect,     // socket/connect failed
  Write,       // sending the request failed
  Read,        // reading the answer failed (ECONNRESET, ...)
  Closed,      // the connection closed before END_REQUEST
  Timeout,     // no END_REQUEST within --timeout: an unanswered request
  Protocol,    // malformed records, unexpected types or request ids
  EndStatus,   // END_REQUEST with a protocol status other than REQUEST_COMPLETE
  HttpStatus,  // a Status header of 400 or more
  kCount,
};

const char* errorName(ErrorKind kind);

struct Stats {
  Histogram latency_ns;
  uint64_t requests = 0;  // answered without error
  std::array<uint64_t, static_cast<size_t>(ErrorKind::kCount)> errors{};
  std::array<uint64_t, 6> status_classes{};  // [1..5]: 1xx..5xx
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t stdout_bytes = 0;
  uint64_t stderr_bytes = 0;
  uint64_t connects = 0;
  uint64_t retries = 0;
  uint64_t warmup_requests = 0;
  uint64_t warmup_errors = 0;
  double elapsed_s = 0;  // measured window: end of warm-up to the last answer
  /// Connections that had a request outstanding during the measured run but got no
  /// answer (END_REQUEST) in it: a server that pins its workers to other connections
  /// starves these, and their requests never reach `requests` or the percentiles.
  uint64_t starved_connections = 0;
  /// The longest any connection waited with a request outstanding and no answer, across
  /// timeouts and reconnects (for a starved connection: about the whole run).
  uint64_t longest_unanswered_ns = 0;

  uint64_t errorTotal() const;
  uint64_t unansweredRequests() const { return errors[static_cast<size_t>(ErrorKind::Timeout)]; }
  void merge(const Stats& other);
};

/// Runs the load `options` describe; returns false (with `error`) when it cannot start
/// (bad address). Per-request failures land in the stats.
bool runLoad(const Options& options, Stats& stats, std::string& error);

}  // namespace fpmd::bench
