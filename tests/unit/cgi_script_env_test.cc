// PHP-FPM's CGI environment rules, as Debian's php-fpm8.2 (PHP 8.2.36) applied them to the
// cases of tests/cgi_probe/cases.txt: the expectations are tests/cgi_probe/observed/*.txt,
// written here as the probe printed them, with the probe's document root as "$R".

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cgi/request.h"
#include "cgi/script_env.h"

namespace fpmd::cgi {
namespace {

const std::string kRoot = "/srv/www";

std::string expand(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 2) == "$R") {
      out += kRoot;
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

/// The probe's document root.
FileKind probeTree(const std::string& path) {
  static const std::set<std::string> files = {
      expand("$R/index.php"), expand("$R/sub/page.php"), expand("$R/sub/dir/index.php"),
      expand("$R/file.txt"),  expand("$R/noext"),        expand("$R/trail."),
  };
  static const std::set<std::string> dirs = {"/", "/srv", kRoot, expand("$R/sub"),
                                             expand("$R/sub/dir")};
  if (files.contains(path)) return FileKind::Regular;
  if (dirs.contains(path)) return FileKind::Directory;
  return FileKind::Missing;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

/// What PHP-FPM did with a request.
struct Outcome {
  enum Kind {
    kRan,         // the script ran and printed `server`
    kUnknown,     // 404 "File not found." (Primary script unknown)
    kDenied,      // 403: security.limit_extensions refused `file`
    kUnopenable,  // 404 "No input file specified.": `file` could not be opened
  };
  Kind kind;
  std::string file;
  Pairs server;
};

Outcome ran(std::string file, Pairs server) {
  return {Outcome::kRan, file, server};
}
Outcome unknown() {
  return {Outcome::kUnknown, "", {}};
}
Outcome denied(std::string file) {
  return {Outcome::kDenied, file, {}};
}
Outcome unopenable(std::string file) {
  return {Outcome::kUnopenable, file, {}};
}

struct ObservedCase {
  std::string name;
  Pairs params;
  Outcome outcome;
};

void PrintTo(const ObservedCase& c, std::ostream* os) {
  *os << c.name;
}

std::string caseName(const testing::TestParamInfo<ObservedCase>& info) {
  return info.param.name;
}

/// The $_SERVER keys the probe script printed.
std::map<std::string, std::string> serverView(const Params& params, const PathRules& rules,
                                              const ScriptInfo& info) {
  static const char* const keys[] = {
      "SCRIPT_FILENAME", "SCRIPT_NAME",          "PATH_INFO",
      "PATH_TRANSLATED", "ORIG_SCRIPT_NAME",     "ORIG_SCRIPT_FILENAME",
      "ORIG_PATH_INFO",  "ORIG_PATH_TRANSLATED", "DOCUMENT_ROOT"};
  std::map<std::string, std::string> view;
  for (const char* key : keys) {
    if (const std::string* value = params.find(key)) view[key] = *value;
  }
  view["PHP_SELF"] = phpSelf(params, rules, info);
  return view;
}

void checkObserved(const ObservedCase& c, const PathRules& rules) {
  const std::vector<std::string> default_extensions = {".php", ".phar"};
  Params params;
  params.set("REQUEST_METHOD", "GET");
  for (const auto& [name, value] : c.params) params.set(name, expand(value));

  ScriptInfo info = resolveScript(params, rules, probeTree);

  const Outcome& want = c.outcome;
  if (want.kind == Outcome::kUnknown) {
    EXPECT_FALSE(info.path_translated.has_value()) << *info.path_translated;
    return;
  }
  ASSERT_TRUE(info.path_translated.has_value());
  EXPECT_EQ(*info.path_translated, expand(want.file));
  EXPECT_EQ(extensionAllowed(*info.path_translated, default_extensions),
            want.kind != Outcome::kDenied);
  if (want.kind == Outcome::kUnopenable) {
    EXPECT_NE(probeTree(*info.path_translated), FileKind::Regular);
  }
  if (want.kind != Outcome::kRan) return;
  std::map<std::string, std::string> expected;
  for (const auto& [name, value] : want.server) expected[name] = expand(value);
  EXPECT_EQ(serverView(params, rules, info), expected);
}

// clang-format off
// tests/cgi_probe/observed/fix_pathinfo_1.txt
const std::vector<ObservedCase> kFixPathinfoOn = {
    {"plain",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"REQUEST_URI", "/index.php?a=b"}, {"QUERY_STRING", "a=b"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"plain_no_docroot",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"REQUEST_URI", "/index.php?a=b"}, {"QUERY_STRING", "a=b"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PHP_SELF", "/index.php"}})},
    {"walk",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"REQUEST_URI", "/index.php/foo/bar?q=1"}, {"QUERY_STRING", "q=1"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_TRANSLATED", "$R"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}})},
    {"walk_no_docroot",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"REQUEST_URI", "/index.php/foo/bar"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}})},
    {"walk_no_docroot_short_name",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"REQUEST_URI", "/index.php/foo/bar"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PHP_SELF", "/index.php"}})},
    {"walk_docroot_slash",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R/"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_TRANSLATED", "$R"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R/"}})},
    {"walk_docroot_empty",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", ""}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_TRANSLATED", ""}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", ""}})},
    {"walk_sub",
     {{"SCRIPT_FILENAME", "$R/sub/page.php/x"}, {"SCRIPT_NAME", "/sub/page.php/x"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/sub/page.php", {{"SCRIPT_FILENAME", "$R/sub/page.php"}, {"SCRIPT_NAME", "/sub/page.php/x"}, {"PATH_TRANSLATED", "$R"}, {"ORIG_SCRIPT_FILENAME", "$R/sub/page.php/x"}, {"PHP_SELF", "/sub/page.php/x"}, {"DOCUMENT_ROOT", "$R"}})},
    {"split",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"DOCUMENT_ROOT", "$R"}, {"REQUEST_URI", "/index.php/foo/bar"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}})},
    {"split_unsplit_filename",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"ORIG_PATH_TRANSLATED", "$R/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}})},
    {"split_unsplit_no_pt",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}})},
    {"long_path_info",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_INFO", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"ORIG_SCRIPT_NAME", "/index.php/foo/bar"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"ORIG_PATH_INFO", "/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}})},
    {"long_path_info_name_matches",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php/foo/bar"}, {"PATH_TRANSLATED", "$R/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"ORIG_PATH_INFO", "/index.php/foo/bar"}, {"ORIG_PATH_TRANSLATED", "$R/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}})},
    {"long_path_info_no_name",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PATH_INFO", "/index.php/foo/bar"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"ORIG_PATH_INFO", "/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}})},
    {"long_path_info_no_docroot",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php/foo/bar"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"ORIG_PATH_INFO", "/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}})},
    {"short_path_info",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_INFO", "/bar"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_INFO", "/bar"}, {"PATH_TRANSLATED", "$R/bar"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar/bar"}, {"DOCUMENT_ROOT", "$R"}})},
    {"trailing_slash",
     {{"SCRIPT_FILENAME", "$R/index.php/"}, {"SCRIPT_NAME", "/index.php/"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php/"}, {"PATH_TRANSLATED", "$R"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/"}, {"PHP_SELF", "/index.php/"}, {"DOCUMENT_ROOT", "$R"}})},
    {"missing",
     {{"SCRIPT_FILENAME", "$R/missing.php"}, {"SCRIPT_NAME", "/missing.php"}, {"DOCUMENT_ROOT", "$R"}},
     unknown()},
    {"missing_deep",
     {{"SCRIPT_FILENAME", "$R/nodir/x.php/foo"}, {"SCRIPT_NAME", "/nodir/x.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     unknown()},
    {"directory",
     {{"SCRIPT_FILENAME", "$R/sub/dir"}, {"SCRIPT_NAME", "/sub/dir"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/sub/dir")},
    {"directory_slash",
     {{"SCRIPT_FILENAME", "$R/sub/dir/"}, {"SCRIPT_NAME", "/sub/dir/"}, {"DOCUMENT_ROOT", "$R"}},
     unknown()},
    {"dotdot",
     {{"SCRIPT_FILENAME", "$R/sub/../index.php"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     unknown()},
    {"no_filename",
     {{"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     unknown()},
    {"empty_filename",
     {{"SCRIPT_FILENAME", ""}, {"SCRIPT_NAME", "/index.php"}},
     denied("")},
    {"path_translated_only",
     {{"PATH_TRANSLATED", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"path_translated_only_walk",
     {{"PATH_TRANSLATED", "$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php/foo"}, {"PATH_TRANSLATED", "$R"}, {"ORIG_PATH_TRANSLATED", "$R/index.php/foo"}, {"PHP_SELF", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}})},
    {"pt_differs",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost:9000$R/index.php/foo/bar?x=1"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}, {"REQUEST_URI", "/index.php/foo/bar?x=1"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"ORIG_SCRIPT_NAME", "/index.php/foo/bar"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PHP_SELF", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi_plain",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi_upper",
     {{"SCRIPT_FILENAME", "PROXY:FCGI://localhost$R/index.php/z"}, {"SCRIPT_NAME", "/index.php/z"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/z"}, {"PATH_TRANSLATED", "$R/z"}, {"ORIG_SCRIPT_NAME", "/index.php/z"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/z"}, {"PHP_SELF", "/index.php/z"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi_name_without_info",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo"}, {"PATH_TRANSLATED", "$R/foo"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo"}, {"PHP_SELF", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi_with_path_info",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php/foo"}, {"PATH_INFO", "/foo"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php/foo"}, {"PATH_INFO", "/foo"}, {"PATH_TRANSLATED", "$R/foo"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo"}, {"PHP_SELF", "/index.php/foo/foo"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi_other_path_info",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php/foo"}, {"PATH_INFO", "/bar"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/bar"}, {"PATH_INFO", "/foo"}, {"PATH_TRANSLATED", "$R/foo"}, {"ORIG_SCRIPT_NAME", "/index.php/foo"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo"}, {"ORIG_PATH_INFO", "/bar"}, {"PHP_SELF", "/bar/foo"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi_encoded",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/a%20b"}, {"SCRIPT_NAME", "/index.php/a%20b"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/a%20b"}, {"PATH_TRANSLATED", "$R/a%20b"}, {"ORIG_SCRIPT_NAME", "/index.php/a%20b"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/a%20b"}, {"PHP_SELF", "/index.php/a%20b"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi_no_path",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost"}, {"SCRIPT_NAME", "/index.php"}},
     unknown()},
    {"proxy_balancer",
     {{"SCRIPT_FILENAME", "proxy:balancer://cluster$R/index.php/foo?y=2"}, {"SCRIPT_NAME", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo"}, {"PATH_TRANSLATED", "$R/foo"}, {"ORIG_SCRIPT_NAME", "/index.php/foo"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo"}, {"PHP_SELF", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_redirect_ignored",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"REDIRECT_URL", "/sub/page.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"redirect_url",
     {{"SCRIPT_FILENAME", "/usr/lib/cgi-bin/php"}, {"SCRIPT_NAME", "/cgi-bin/php"}, {"PATH_INFO", "/index.php"}, {"PATH_TRANSLATED", "$R/index.php"}, {"REDIRECT_URL", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"ORIG_SCRIPT_NAME", "/cgi-bin/php"}, {"ORIG_SCRIPT_FILENAME", "/usr/lib/cgi-bin/php"}, {"ORIG_PATH_INFO", "/index.php"}, {"ORIG_PATH_TRANSLATED", "$R/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"redirect_url_walk",
     {{"SCRIPT_FILENAME", "/usr/lib/cgi-bin/php"}, {"SCRIPT_NAME", "/cgi-bin/php"}, {"PATH_INFO", "/index.php/foo"}, {"PATH_TRANSLATED", "$R/index.php/foo"}, {"REDIRECT_URL", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo"}, {"PATH_TRANSLATED", "$R/foo"}, {"ORIG_SCRIPT_NAME", "/cgi-bin/php"}, {"ORIG_SCRIPT_FILENAME", "/usr/lib/cgi-bin/php"}, {"ORIG_PATH_INFO", "/index.php/foo"}, {"ORIG_PATH_TRANSLATED", "$R/index.php/foo"}, {"PHP_SELF", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}})},
    {"iis",
     {{"SERVER_SOFTWARE", "Microsoft-IIS/10.0"}, {"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo"}, {"ORIG_PATH_INFO", "/index.php/foo"}, {"PHP_SELF", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}})},
    {"iis_same",
     {{"SERVER_SOFTWARE", "Microsoft-IIS/10.0"}, {"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"ORIG_PATH_INFO", "/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"no_script_name",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"PHP_SELF", ""}, {"DOCUMENT_ROOT", "$R"}})},
    {"no_script_name_walk",
     {{"SCRIPT_FILENAME", "$R/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"PATH_TRANSLATED", "$R"}, {"ORIG_SCRIPT_FILENAME", "$R/index.php/foo"}, {"PHP_SELF", ""}, {"DOCUMENT_ROOT", "$R"}})},
    {"deny_txt",
     {{"SCRIPT_FILENAME", "$R/file.txt"}, {"SCRIPT_NAME", "/file.txt"}},
     denied("$R/file.txt")},
    {"deny_noext",
     {{"SCRIPT_FILENAME", "$R/noext"}, {"SCRIPT_NAME", "/noext"}},
     denied("$R/noext")},
    {"deny_trailing_dot",
     {{"SCRIPT_FILENAME", "$R/trail."}, {"SCRIPT_NAME", "/trail."}},
     denied("$R/trail.")},

};

// tests/cgi_probe/observed/fix_pathinfo_0.txt
const std::vector<ObservedCase> kFixPathinfoOff = {
    {"plain",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"REQUEST_URI", "/index.php?a=b"}, {"QUERY_STRING", "a=b"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"plain_no_docroot",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"REQUEST_URI", "/index.php?a=b"}, {"QUERY_STRING", "a=b"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PHP_SELF", "/index.php"}})},
    {"walk",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"REQUEST_URI", "/index.php/foo/bar?q=1"}, {"QUERY_STRING", "q=1"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"walk_no_docroot",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"REQUEST_URI", "/index.php/foo/bar"}},
     denied("$R/index.php/foo/bar")},
    {"walk_no_docroot_short_name",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"REQUEST_URI", "/index.php/foo/bar"}},
     denied("$R/index.php/foo/bar")},
    {"walk_docroot_slash",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R/"}},
     denied("$R/index.php/foo/bar")},
    {"walk_docroot_empty",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", ""}},
     denied("$R/index.php/foo/bar")},
    {"walk_sub",
     {{"SCRIPT_FILENAME", "$R/sub/page.php/x"}, {"SCRIPT_NAME", "/sub/page.php/x"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/sub/page.php/x")},
    {"split",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"DOCUMENT_ROOT", "$R"}, {"REQUEST_URI", "/index.php/foo/bar"}},
     denied("$R/foo/bar")},
    {"split_unsplit_filename",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/foo/bar")},
    {"split_unsplit_no_pt",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"long_path_info",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_INFO", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"long_path_info_name_matches",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php/foo/bar"}, {"PATH_TRANSLATED", "$R/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"long_path_info_no_name",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PATH_INFO", "/index.php/foo/bar"}},
     denied("$R/index.php/foo/bar")},
    {"long_path_info_no_docroot",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php/foo/bar"}},
     denied("$R/index.php/foo/bar")},
    {"short_path_info",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_INFO", "/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"trailing_slash",
     {{"SCRIPT_FILENAME", "$R/index.php/"}, {"SCRIPT_NAME", "/index.php/"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/")},
    {"missing",
     {{"SCRIPT_FILENAME", "$R/missing.php"}, {"SCRIPT_NAME", "/missing.php"}, {"DOCUMENT_ROOT", "$R"}},
     unopenable("$R/missing.php")},
    {"missing_deep",
     {{"SCRIPT_FILENAME", "$R/nodir/x.php/foo"}, {"SCRIPT_NAME", "/nodir/x.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/nodir/x.php/foo")},
    {"directory",
     {{"SCRIPT_FILENAME", "$R/sub/dir"}, {"SCRIPT_NAME", "/sub/dir"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/sub/dir")},
    {"directory_slash",
     {{"SCRIPT_FILENAME", "$R/sub/dir/"}, {"SCRIPT_NAME", "/sub/dir/"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/sub/dir/")},
    {"dotdot",
     {{"SCRIPT_FILENAME", "$R/sub/../index.php"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     unknown()},
    {"no_filename",
     {{"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     unknown()},
    {"empty_filename",
     {{"SCRIPT_FILENAME", ""}, {"SCRIPT_NAME", "/index.php"}},
     denied("")},
    {"path_translated_only",
     {{"PATH_TRANSLATED", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"path_translated_only_walk",
     {{"PATH_TRANSLATED", "$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"pt_differs",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/sub/page.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost:9000$R/index.php/foo/bar?x=1"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}, {"REQUEST_URI", "/index.php/foo/bar?x=1"}},
     denied("$R/index.php/foo/bar")},
    {"proxy_fcgi_plain",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi_upper",
     {{"SCRIPT_FILENAME", "PROXY:FCGI://localhost$R/index.php/z"}, {"SCRIPT_NAME", "/index.php/z"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/z")},
    {"proxy_fcgi_name_without_info",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"proxy_fcgi_with_path_info",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php/foo"}, {"PATH_INFO", "/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"proxy_fcgi_other_path_info",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php/foo"}, {"PATH_INFO", "/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"proxy_fcgi_encoded",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/a%20b"}, {"SCRIPT_NAME", "/index.php/a%20b"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/a%20b")},
    {"proxy_fcgi_no_path",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost"}, {"SCRIPT_NAME", "/index.php"}},
     denied("proxy:fcgi://localhost")},
    {"proxy_balancer",
     {{"SCRIPT_FILENAME", "proxy:balancer://cluster$R/index.php/foo?y=2"}, {"SCRIPT_NAME", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"proxy_redirect_ignored",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"REDIRECT_URL", "/sub/page.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/sub/page.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"redirect_url",
     {{"SCRIPT_FILENAME", "/usr/lib/cgi-bin/php"}, {"SCRIPT_NAME", "/cgi-bin/php"}, {"PATH_INFO", "/index.php"}, {"PATH_TRANSLATED", "$R/index.php"}, {"REDIRECT_URL", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "/usr/lib/cgi-bin/php"}, {"SCRIPT_NAME", "/cgi-bin/php"}, {"PATH_INFO", "/index.php"}, {"PATH_TRANSLATED", "$R/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"redirect_url_walk",
     {{"SCRIPT_FILENAME", "/usr/lib/cgi-bin/php"}, {"SCRIPT_NAME", "/cgi-bin/php"}, {"PATH_INFO", "/index.php/foo"}, {"PATH_TRANSLATED", "$R/index.php/foo"}, {"REDIRECT_URL", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"iis",
     {{"SERVER_SOFTWARE", "Microsoft-IIS/10.0"}, {"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo"}, {"ORIG_PATH_INFO", "/index.php/foo"}, {"PHP_SELF", "/foo"}, {"DOCUMENT_ROOT", "$R"}})},
    {"iis_same",
     {{"SERVER_SOFTWARE", "Microsoft-IIS/10.0"}, {"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"ORIG_PATH_INFO", "/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"no_script_name",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"PHP_SELF", ""}, {"DOCUMENT_ROOT", "$R"}})},
    {"no_script_name_walk",
     {{"SCRIPT_FILENAME", "$R/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"deny_txt",
     {{"SCRIPT_FILENAME", "$R/file.txt"}, {"SCRIPT_NAME", "/file.txt"}},
     denied("$R/file.txt")},
    {"deny_noext",
     {{"SCRIPT_FILENAME", "$R/noext"}, {"SCRIPT_NAME", "/noext"}},
     denied("$R/noext")},
    {"deny_trailing_dot",
     {{"SCRIPT_FILENAME", "$R/trail."}, {"SCRIPT_NAME", "/trail."}},
     denied("$R/trail.")},

};

// tests/cgi_probe/observed/fix_pathinfo_0_discard_path_1.txt
const std::vector<ObservedCase> kDiscardPath = {
    {"plain",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"REQUEST_URI", "/index.php?a=b"}, {"QUERY_STRING", "a=b"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"plain_no_docroot",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"REQUEST_URI", "/index.php?a=b"}, {"QUERY_STRING", "a=b"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PHP_SELF", "/index.php"}})},
    {"walk",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"REQUEST_URI", "/index.php/foo/bar?q=1"}, {"QUERY_STRING", "q=1"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"walk_no_docroot",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"REQUEST_URI", "/index.php/foo/bar"}},
     denied("$R/index.php/foo/bar")},
    {"walk_no_docroot_short_name",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"REQUEST_URI", "/index.php/foo/bar"}},
     denied("$R/index.php/foo/bar")},
    {"walk_docroot_slash",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R/"}},
     denied("$R/index.php/foo/bar")},
    {"walk_docroot_empty",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", ""}},
     denied("$R/index.php/foo/bar")},
    {"walk_sub",
     {{"SCRIPT_FILENAME", "$R/sub/page.php/x"}, {"SCRIPT_NAME", "/sub/page.php/x"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/sub/page.php/x")},
    {"split",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"DOCUMENT_ROOT", "$R"}, {"REQUEST_URI", "/index.php/foo/bar"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"PHP_SELF", "/foo/bar"}, {"DOCUMENT_ROOT", "$R"}})},
    {"split_unsplit_filename",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"PATH_TRANSLATED", "$R/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"split_unsplit_no_pt",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"long_path_info",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_INFO", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"long_path_info_name_matches",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php/foo/bar"}, {"PATH_TRANSLATED", "$R/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"long_path_info_no_name",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"PATH_INFO", "/index.php/foo/bar"}},
     denied("$R/index.php/foo/bar")},
    {"long_path_info_no_docroot",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php/foo/bar"}},
     denied("$R/index.php/foo/bar")},
    {"short_path_info",
     {{"SCRIPT_FILENAME", "$R/index.php/foo/bar"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"PATH_INFO", "/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo/bar")},
    {"trailing_slash",
     {{"SCRIPT_FILENAME", "$R/index.php/"}, {"SCRIPT_NAME", "/index.php/"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/")},
    {"missing",
     {{"SCRIPT_FILENAME", "$R/missing.php"}, {"SCRIPT_NAME", "/missing.php"}, {"DOCUMENT_ROOT", "$R"}},
     unopenable("$R/missing.php")},
    {"missing_deep",
     {{"SCRIPT_FILENAME", "$R/nodir/x.php/foo"}, {"SCRIPT_NAME", "/nodir/x.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/nodir/x.php/foo")},
    {"directory",
     {{"SCRIPT_FILENAME", "$R/sub/dir"}, {"SCRIPT_NAME", "/sub/dir"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/sub/dir")},
    {"directory_slash",
     {{"SCRIPT_FILENAME", "$R/sub/dir/"}, {"SCRIPT_NAME", "/sub/dir/"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/sub/dir/")},
    {"dotdot",
     {{"SCRIPT_FILENAME", "$R/sub/../index.php"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     unknown()},
    {"no_filename",
     {{"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     unknown()},
    {"empty_filename",
     {{"SCRIPT_FILENAME", ""}, {"SCRIPT_NAME", "/index.php"}},
     denied("")},
    {"path_translated_only",
     {{"PATH_TRANSLATED", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"path_translated_only_walk",
     {{"PATH_TRANSLATED", "$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"pt_differs",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost:9000$R/index.php/foo/bar?x=1"}, {"SCRIPT_NAME", "/index.php/foo/bar"}, {"DOCUMENT_ROOT", "$R"}, {"REQUEST_URI", "/index.php/foo/bar?x=1"}},
     denied("$R/index.php/foo/bar")},
    {"proxy_fcgi_plain",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"proxy_fcgi_upper",
     {{"SCRIPT_FILENAME", "PROXY:FCGI://localhost$R/index.php/z"}, {"SCRIPT_NAME", "/index.php/z"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/z")},
    {"proxy_fcgi_name_without_info",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"proxy_fcgi_with_path_info",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php/foo"}, {"PATH_INFO", "/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"proxy_fcgi_other_path_info",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/foo"}, {"SCRIPT_NAME", "/index.php/foo"}, {"PATH_INFO", "/bar"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"proxy_fcgi_encoded",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php/a%20b"}, {"SCRIPT_NAME", "/index.php/a%20b"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/a%20b")},
    {"proxy_fcgi_no_path",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost"}, {"SCRIPT_NAME", "/index.php"}},
     denied("proxy:fcgi://localhost")},
    {"proxy_balancer",
     {{"SCRIPT_FILENAME", "proxy:balancer://cluster$R/index.php/foo?y=2"}, {"SCRIPT_NAME", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"proxy_redirect_ignored",
     {{"SCRIPT_FILENAME", "proxy:fcgi://localhost$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"REDIRECT_URL", "/sub/page.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_TRANSLATED", "$R/sub/page.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"redirect_url",
     {{"SCRIPT_FILENAME", "/usr/lib/cgi-bin/php"}, {"SCRIPT_NAME", "/cgi-bin/php"}, {"PATH_INFO", "/index.php"}, {"PATH_TRANSLATED", "$R/index.php"}, {"REDIRECT_URL", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     denied("/usr/lib/cgi-bin/php")},
    {"redirect_url_walk",
     {{"SCRIPT_FILENAME", "/usr/lib/cgi-bin/php"}, {"SCRIPT_NAME", "/cgi-bin/php"}, {"PATH_INFO", "/index.php/foo"}, {"PATH_TRANSLATED", "$R/index.php/foo"}, {"REDIRECT_URL", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("/usr/lib/cgi-bin/php")},
    {"iis",
     {{"SERVER_SOFTWARE", "Microsoft-IIS/10.0"}, {"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/foo"}, {"ORIG_PATH_INFO", "/index.php/foo"}, {"PHP_SELF", "/foo"}, {"DOCUMENT_ROOT", "$R"}})},
    {"iis_same",
     {{"SERVER_SOFTWARE", "Microsoft-IIS/10.0"}, {"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"PATH_INFO", "/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"SCRIPT_NAME", "/index.php"}, {"ORIG_PATH_INFO", "/index.php"}, {"PHP_SELF", "/index.php"}, {"DOCUMENT_ROOT", "$R"}})},
    {"no_script_name",
     {{"SCRIPT_FILENAME", "$R/index.php"}, {"DOCUMENT_ROOT", "$R"}},
     ran("$R/index.php", {{"SCRIPT_FILENAME", "$R/index.php"}, {"PHP_SELF", ""}, {"DOCUMENT_ROOT", "$R"}})},
    {"no_script_name_walk",
     {{"SCRIPT_FILENAME", "$R/index.php/foo"}, {"DOCUMENT_ROOT", "$R"}},
     denied("$R/index.php/foo")},
    {"deny_txt",
     {{"SCRIPT_FILENAME", "$R/file.txt"}, {"SCRIPT_NAME", "/file.txt"}},
     denied("$R/file.txt")},
    {"deny_noext",
     {{"SCRIPT_FILENAME", "$R/noext"}, {"SCRIPT_NAME", "/noext"}},
     denied("$R/noext")},
    {"deny_trailing_dot",
     {{"SCRIPT_FILENAME", "$R/trail."}, {"SCRIPT_NAME", "/trail."}},
     denied("$R/trail.")},

};
// clang-format on

class FixPathinfoOn : public testing::TestWithParam<ObservedCase> {};
class FixPathinfoOff : public testing::TestWithParam<ObservedCase> {};
class DiscardPath : public testing::TestWithParam<ObservedCase> {};

TEST_P(FixPathinfoOn, MatchesPhpFpm) {
  checkObserved(GetParam(), PathRules{});
}
TEST_P(FixPathinfoOff, MatchesPhpFpm) {
  checkObserved(GetParam(), PathRules{.fix_pathinfo = false, .discard_path = false});
}
TEST_P(DiscardPath, MatchesPhpFpm) {
  checkObserved(GetParam(), PathRules{.fix_pathinfo = false, .discard_path = true});
}

INSTANTIATE_TEST_SUITE_P(Observed, FixPathinfoOn, testing::ValuesIn(kFixPathinfoOn), caseName);
INSTANTIATE_TEST_SUITE_P(Observed, FixPathinfoOff, testing::ValuesIn(kFixPathinfoOff), caseName);
INSTANTIATE_TEST_SUITE_P(Observed, DiscardPath, testing::ValuesIn(kDiscardPath), caseName);

}  // namespace
}  // namespace fpmd::cgi
