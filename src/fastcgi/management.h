#pragma once

// FCGI_GET_VALUES: the web server asks what the application supports.

#include <string>
#include <string_view>

#include "common/result.h"

namespace fpmd::fastcgi {

/// Answers to FCGI_GET_VALUES. PHP-FPM answers pm.max_children for both; we never
/// multiplex, so FCGI_MPXS_CONNS is always 0.
struct ServerValues {
  int max_conns = 1;
  int max_reqs = 1;
};

/// Appends the GET_VALUES_RESULT record answering `query` (the GET_VALUES content):
/// the variables we know, in the order asked, others left out as the specification says.
/// Fails on a malformed query.
Status appendGetValuesResult(std::string& out, std::string_view query, const ServerValues& values);

}  // namespace fpmd::fastcgi
