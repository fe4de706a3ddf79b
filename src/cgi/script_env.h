#pragma once

// PHP-FPM's CGI environment rules (init_request_info() and the PHP_SELF part of the
// register_variables hook in php-src sapi/fpm/fpm/fpm_main.c, PHP 8.2): from the FastCGI
// params and cgi.fix_pathinfo / cgi.discard_path, which file PHP runs and how
// SCRIPT_FILENAME, SCRIPT_NAME, PATH_INFO, PATH_TRANSLATED and their ORIG_* copies end up.
// Pure: the only filesystem access is the injected StatFn. The expected results of the unit
// tests were observed on Debian's php-fpm8.2 (tests/cgi_probe/).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgi/request.h"

namespace fpmd::cgi {

/// The php.ini settings that steer the rules.
struct PathRules {
  /// cgi.fix_pathinfo (PHP's default 1).
  bool fix_pathinfo = true;
  /// cgi.discard_path: with fix_pathinfo off, never run PATH_TRANSLATED.
  bool discard_path = false;
  /// php.ini doc_root: with fix_pathinfo on it becomes DOCUMENT_ROOT when the web server
  /// sent none. Empty means unset.
  std::string doc_root{};
};

enum class FileKind { Missing, Regular, Directory, Other };
/// What stat(2) says of a path (following symlinks); Missing for any failure.
using StatFn = std::function<FileKind(const std::string& path)>;

/// The request info PHP-FPM derives (its SG(request_info) fields).
struct ScriptInfo {
  /// The file PHP will execute. nullopt: no script ("Primary script unknown", 404). An empty
  /// string is not "none": PHP-FPM then refuses it through security.limit_extensions.
  std::optional<std::string> path_translated;
  /// SG(request_info).request_uri: the SCRIPT_NAME PHP-FPM settled on (not REQUEST_URI);
  /// PHP_SELF and the status page's "request URI" come from it.
  std::optional<std::string> request_uri;
  std::optional<std::string> request_method;
  std::optional<std::string> query_string;
  /// CONTENT_TYPE, empty when absent.
  std::string content_type;
  /// CONTENT_LENGTH read as atol() reads it; 0 when absent.
  long content_length = 0;
};

/// Applies PHP-FPM's rules: rewrites `params` in place as PHP-FPM rewrites its FastCGI
/// environment (so the engine registers them into $_SERVER as they are) and returns what to
/// run. Like PHP-FPM, it reads each param up to its first NUL byte.
ScriptInfo resolveScript(Params& params, const PathRules& rules, const StatFn& stat);

/// The PHP_SELF PHP-FPM registers after the params, from the params as resolveScript() left
/// them: request_uri followed by PATH_INFO with fix_pathinfo, request_uri alone without.
std::string phpSelf(const Params& params, const PathRules& rules, const ScriptInfo& info);

/// security.limit_extensions (fpm_php_limit_extensions): true when `allowed` is empty or
/// `script_path` ends with one of its entries and is longer than that entry. Entries are
/// compared as given, case-sensitively, so ".php" refuses "x.PHP", "noext" and "x.".
bool extensionAllowed(std::string_view script_path, const std::vector<std::string>& allowed);

/// The NOTICE PHP-FPM logs when extensionAllowed() refuses a script; it then answers 403
/// with kAccessDeniedBody.
std::string extensionDeniedMessage(std::string_view script_path);

/// DEBUG log line and 404 body when resolveScript() found no script.
inline constexpr std::string_view kPrimaryScriptUnknown = "Primary script unknown";
inline constexpr std::string_view kFileNotFoundBody = "File not found.\n";
/// 403 body for a refused extension, or a script that cannot be opened with EACCES.
inline constexpr std::string_view kAccessDeniedBody = "Access denied.\n";

/// The StatFn of the real filesystem.
FileKind statPath(const std::string& path);

}  // namespace fpmd::cgi
