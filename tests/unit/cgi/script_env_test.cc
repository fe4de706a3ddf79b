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
    kRan,      // the script ran and printed `server`
    kUnknown,  // 404 "File not found." (Primary script unknown)
    kDenied,   // 403: security.limit_extensions refused `file`
    // 404 "No input file specified.": libphp could not open `file` (missing, or outside
    // php.ini doc_root); resolveScript() still names it.
    kUnopenable,
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
  if (want.kind != Outcome::kRan) return;
  std::map<std::string, std::string> expected;
  for (const auto& [name, value] : want.server) expected[name] = expand(value);
  EXPECT_EQ(serverView(params, rules, info), expected);
}

// The tables: tests/cgi_probe/observed/*.txt as make_tables.py writes them.
const std::vector<ObservedCase> kFixPathinfoOn = {
#include "cgi_probe/tables/fix_pathinfo_1.inc"
};
const std::vector<ObservedCase> kFixPathinfoOff = {
#include "cgi_probe/tables/fix_pathinfo_0.inc"
};
const std::vector<ObservedCase> kDiscardPath = {
#include "cgi_probe/tables/fix_pathinfo_0_discard_path_1.inc"
};
const std::vector<ObservedCase> kDocRoot = {
#include "cgi_probe/tables/doc_root.inc"
};

class FixPathinfoOn : public testing::TestWithParam<ObservedCase> {};
class FixPathinfoOff : public testing::TestWithParam<ObservedCase> {};
class DiscardPath : public testing::TestWithParam<ObservedCase> {};
class DocRoot : public testing::TestWithParam<ObservedCase> {};

TEST_P(FixPathinfoOn, MatchesPhpFpm) {
  checkObserved(GetParam(), PathRules{});
}
TEST_P(FixPathinfoOff, MatchesPhpFpm) {
  checkObserved(GetParam(), PathRules{.fix_pathinfo = false, .discard_path = false});
}
// php -d doc_root=$R
TEST_P(DocRoot, MatchesPhpFpm) {
  checkObserved(GetParam(), PathRules{.doc_root = kRoot});
}
TEST_P(DiscardPath, MatchesPhpFpm) {
  checkObserved(GetParam(), PathRules{.fix_pathinfo = false, .discard_path = true});
}

INSTANTIATE_TEST_SUITE_P(Observed, FixPathinfoOn, testing::ValuesIn(kFixPathinfoOn), caseName);
INSTANTIATE_TEST_SUITE_P(Observed, FixPathinfoOff, testing::ValuesIn(kFixPathinfoOff), caseName);
INSTANTIATE_TEST_SUITE_P(Observed, DocRoot, testing::ValuesIn(kDocRoot), caseName);
INSTANTIATE_TEST_SUITE_P(Observed, DiscardPath, testing::ValuesIn(kDiscardPath), caseName);

}  // namespace
}  // namespace fpmd::cgi
