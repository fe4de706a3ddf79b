#pragma once

// The worker loop: take a connection, read FastCGI requests from it, run each through the
// PHP engine, keep the connection while the web server asks to, repeat. One request at a
// time; PHP is synchronous.

#include <string>

#include "fastcgi/connection.h"
#include "log/access_log.h"
#include "scoreboard/scoreboard.h"
#include "worker/connection_source.h"

namespace fpmd::worker {

struct WorkerOptions {
  std::string pool_name;
  scoreboard::Scoreboard* scoreboard = nullptr;
  int slot = -1;
  /// pm.max_requests: exit after this many requests (0: never).
  unsigned long max_requests = 0;
  /// pm.max_memory in bytes (0: none): over it after a request, the worker leaves before
  /// it takes another, and says why in its scoreboard slot.
  uint64_t max_memory = 0;
  fastcgi::ServerValues server_values{};
  /// pm.status_path, ping.path, ping.response: answered by the worker, without PHP.
  std::string status_path;
  std::string ping_path;
  std::string ping_response = "pong";
  /// pm.status_fpmd_fields: fpmd's fields on every status page, not only with `&fpmd`.
  bool status_fpmd_fields = false;
  /// The pool's hand-back channel (workers' end), or -1: where an idle kept-alive
  /// connection goes instead of pinning this worker.
  int handback_fd = -1;
  /// What a worker holding an idle kept-alive connection watches to know that another
  /// connection needs it: the listening socket and the dispatch channel (workers' end).
  int listen_fd = -1;
  int dispatch_fd = -1;
  /// The dispatch channel's sending end (the master's, inherited), or -1: a kept
  /// connection whose next request has already come joins the queue the pool's workers
  /// read straight from here, without a round trip through the master.
  int requeue_fd = -1;
  /// request_queue_timeout: the master takes every connection and queues them; this
  /// worker takes them only from the dispatch channel, and one that holds an idle kept
  /// connection gives it up while requests wait (listen_fd is then the master's
  /// queue_waiting eventfd, dispatch_fd and requeue_fd are -1).
  bool master_queues = false;
  /// access.log (opened by the master, O_APPEND: one write() per line), or -1.
  int access_log_fd = -1;
  const log::AccessFormat* access_format = nullptr;
  std::vector<std::string> access_suppress_path;
  /// request_read_timeout in milliseconds (0: none): how long a request may take to arrive.
  int request_read_timeout_ms = 0;
  /// catch_workers_output: stderr is the master's pipe, and each request ends there with
  /// kEndOfRequestMarker (worker/output_marker.h).
  bool mark_request_ends = false;
};

/// Serves until stopped or recycled. Returns the process exit code.
int serve(ConnectionSource& source, const WorkerOptions& options);

}  // namespace fpmd::worker
