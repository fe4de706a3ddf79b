#include "status/routing.h"

#include "status/dashboard.h"

namespace fpmd::status {

AnswerOptions answerOptionsFor(const cgi::Params& params, AnswerOptions php_defaults) {
  php_defaults.head_only = params.get("REQUEST_METHOD") == "HEAD";
  return php_defaults;
}

bool isBuiltinPage(const PageRoutes& routes, const cgi::Params& params) {
  std::string_view script_name = params.get("SCRIPT_NAME");
  return (!routes.ping_path.empty() && script_name == routes.ping_path) ||
         (!routes.status_path.empty() && script_name == routes.status_path);
}

std::optional<HttpAnswer> answerBuiltinPage(const PageRoutes& routes, const cgi::Params& params,
                                            const AnswerOptions& options,
                                            const StatusReaders& readers) {
  std::string_view script_name = params.get("SCRIPT_NAME");
  if (!routes.ping_path.empty() && script_name == routes.ping_path) {
    return renderPing(routes.ping_response, options);
  }
  if (routes.status_path.empty() || script_name != routes.status_path) return std::nullopt;
  StatusQuery query = parseStatusQuery(params.get("QUERY_STRING"));
  query.fpmd |= routes.fpmd_fields;
  // The dashboard's files are the same for every pool: they need no status, so the page
  // loads (and shows its error banner) even when the status cannot be read.
  if (dashboardFile(query.format)) {
    return renderDashboard(query.format, params.get("HTTP_IF_NONE_MATCH"), options);
  }
  if (query.all && readers.all_pools) {
    return renderStatusAll(readers.all_pools(), query, options);
  }
  std::optional<PoolStatus> pool = readers.pool ? readers.pool() : std::nullopt;
  if (!pool) return renderStatusError(options);
  return renderStatus(*pool, query, options);
}

}  // namespace fpmd::status
