#pragma once

// Which built-in page a request asks for (ping.path, pm.status_path) and its answer: one
// routing for the worker that took the request and for the master's status socket.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgi/request.h"
#include "status/model.h"
#include "status/page.h"

namespace fpmd::status {

struct PageRoutes {
  std::string_view ping_path;      // ping.path; empty: no ping page
  std::string_view ping_response;  // ping.response
  std::string_view status_path;    // pm.status_path; empty: no status page
  bool fpmd_fields = false;        // pm.status_fpmd_fields: as if every query said `fpmd`
};

/// The pool's status now (nullopt when it cannot be read), and every pool of the master
/// for `?all` (empty function: only the master's status socket answers it).
struct StatusReaders {
  std::function<std::optional<PoolStatus>()> pool;
  std::function<std::vector<PoolStatus>()> all_pools;
};

/// The answer options of one request: PHP's own defaults (expose_php, default_charset,
/// default_mimetype, from the php.ini the pool runs) and whether it is a HEAD request.
AnswerOptions answerOptionsFor(const cgi::Params& params, AnswerOptions php_defaults);

/// PHP-FPM matches SCRIPT_NAME exactly: true for ping.path and pm.status_path.
bool isBuiltinPage(const PageRoutes& routes, const cgi::Params& params);

/// The page's answer, ping first. nullopt: not a built-in page.
std::optional<HttpAnswer> answerBuiltinPage(const PageRoutes& routes, const cgi::Params& params,
                                            const AnswerOptions& options,
                                            const StatusReaders& readers);

}  // namespace fpmd::status
