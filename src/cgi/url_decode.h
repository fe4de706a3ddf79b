#pragma once

// PHP's php_url_decode(): "+" is a space, "%XX" a byte, a "%" not followed by two hex
// digits stays as it is. Used where PHP-FPM decodes (the query's keys for the status page,
// Apache's path info) so fpmd decodes the same bytes the same way.

#include <string>
#include <string_view>

namespace fpmd::cgi {

std::string urlDecode(std::string_view text);

}  // namespace fpmd::cgi
