// The parts of PHP-FPM's script rules the php-fpm8.2 probe cannot show through cgi-fcgi
// (NUL bytes, param order, request info fields) and security.limit_extensions, read from
// php-src sapi/fpm/fpm/fpm_main.c and fpm_php.c.

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cgi/request.h"
#include "cgi/script_env.h"

namespace fpmd::cgi {
namespace {

using namespace std::string_literals;

FileKind onlyIndexPhp(const std::string& path) {
  if (path == "/srv/www/index.php") return FileKind::Regular;
  if (path == "/srv/www" || path == "/srv" || path == "/") return FileKind::Directory;
  return FileKind::Missing;
}

std::vector<std::string> names(const Params& params) {
  std::vector<std::string> out;
  for (const auto& [name, value] : params.entries()) out.push_back(name);
  return out;
}

TEST(ExtensionAllowed, EmptyListAllowsEverything) {
  EXPECT_TRUE(extensionAllowed("/srv/www/file.txt", {}));
  EXPECT_TRUE(extensionAllowed("", {}));
}

TEST(ExtensionAllowed, ComparesTheEndOfThePathAsGiven) {
  const std::vector<std::string> allowed = {".php", ".phar"};
  EXPECT_TRUE(extensionAllowed("/srv/www/index.php", allowed));
  EXPECT_TRUE(extensionAllowed("/srv/www/app.phar", allowed));
  EXPECT_FALSE(extensionAllowed("/srv/www/index.PHP", allowed));
  EXPECT_FALSE(extensionAllowed("/srv/www/index.php.txt", allowed));
  EXPECT_FALSE(extensionAllowed("/srv/www/noext", allowed));
  EXPECT_FALSE(extensionAllowed("/srv/www/trail.", allowed));
  EXPECT_FALSE(extensionAllowed("", allowed));
}

TEST(ExtensionAllowed, PathMustBeLongerThanTheExtension) {
  EXPECT_FALSE(extensionAllowed(".php", {".php"}));
  EXPECT_TRUE(extensionAllowed("a.php", {".php"}));
}

TEST(ExtensionAllowed, AnEntryWithoutDotIsAPlainSuffix) {
  EXPECT_TRUE(extensionAllowed("/srv/www/indexphp", {"php"}));
}

TEST(ExtensionDeniedMessage, IsPhpFpmsNotice) {
  EXPECT_EQ(extensionDeniedMessage("/srv/www/file.txt"),
            "Access to the script '/srv/www/file.txt' has been denied (see "
            "security.limit_extensions)");
}

TEST(ResolveScript, ReadsParamsUpToTheirFirstNul) {
  Params params;
  params.set("SCRIPT_FILENAME", "/srv/www/index.php\0.txt"s);
  params.set("SCRIPT_NAME", "/index.php");
  ScriptInfo info = resolveScript(params, PathRules{}, onlyIndexPhp);
  ASSERT_TRUE(info.path_translated);
  EXPECT_EQ(*info.path_translated, "/srv/www/index.php");
  EXPECT_FALSE(params.has("ORIG_SCRIPT_FILENAME"));
}

TEST(ResolveScript, RewrittenParamsKeepTheirPlaceAndNewOnesGoLast) {
  Params params;
  params.set("SCRIPT_FILENAME", "/srv/www/index.php/foo");
  params.set("SCRIPT_NAME", "/index.php/foo");
  params.set("PATH_INFO", "/index.php/foo");
  params.set("DOCUMENT_ROOT", "/srv/www");
  resolveScript(params, PathRules{}, onlyIndexPhp);
  EXPECT_EQ(names(params),
            (std::vector<std::string>{"SCRIPT_FILENAME", "SCRIPT_NAME", "PATH_INFO",
                                      "DOCUMENT_ROOT", "ORIG_PATH_INFO", "ORIG_SCRIPT_NAME",
                                      "ORIG_SCRIPT_FILENAME", "PATH_TRANSLATED"}));
  EXPECT_EQ(params.get("SCRIPT_FILENAME"), "/srv/www/index.php");
}

TEST(ResolveScript, NoScriptFoundRemovesScriptFilename) {
  Params params;
  params.set("SCRIPT_FILENAME", "/srv/www/missing.php");
  params.set("SCRIPT_NAME", "/missing.php");
  ScriptInfo info = resolveScript(params, PathRules{}, onlyIndexPhp);
  EXPECT_FALSE(info.path_translated);
  EXPECT_FALSE(params.has("SCRIPT_FILENAME"));
  EXPECT_EQ(params.get("ORIG_SCRIPT_FILENAME"), "/srv/www/missing.php");
  EXPECT_EQ(info.request_uri, "/missing.php");
}

TEST(ResolveScript, FillsTheRequestInfo) {
  Params params;
  params.set("REQUEST_METHOD", "POST");
  params.set("SCRIPT_FILENAME", "/srv/www/index.php");
  params.set("SCRIPT_NAME", "/index.php");
  params.set("QUERY_STRING", "a=b");
  params.set("CONTENT_TYPE", "text/plain");
  params.set("CONTENT_LENGTH", " 12abc");
  ScriptInfo info = resolveScript(params, PathRules{}, onlyIndexPhp);
  EXPECT_EQ(info.request_method, "POST");
  EXPECT_EQ(info.request_uri, "/index.php");
  EXPECT_EQ(info.query_string, "a=b");
  EXPECT_EQ(info.content_type, "text/plain");
  EXPECT_EQ(info.content_length, 12);
}

TEST(ResolveScript, WithoutAScriptOnlyTheMethodIsRead) {
  Params params;
  params.set("REQUEST_METHOD", "GET");
  params.set("QUERY_STRING", "a=b");
  params.set("CONTENT_LENGTH", "5");
  ScriptInfo info = resolveScript(params, PathRules{}, onlyIndexPhp);
  EXPECT_EQ(info.request_method, "GET");
  EXPECT_FALSE(info.path_translated);
  EXPECT_FALSE(info.request_uri);
  EXPECT_FALSE(info.query_string);
  EXPECT_EQ(info.content_length, 0);
}

TEST(ResolveScript, ServersDocumentRootWinsOverDocRoot) {
  Params params;
  params.set("SCRIPT_FILENAME", "/srv/www/index.php/x");
  params.set("DOCUMENT_ROOT", "/var/www");
  resolveScript(params, PathRules{.doc_root = "/srv/www"}, onlyIndexPhp);
  EXPECT_EQ(params.get("DOCUMENT_ROOT"), "/var/www");
  EXPECT_EQ(params.get("PATH_TRANSLATED"), "/var/www");
}

TEST(ResolveScript, DocRootIsUnusedWithoutFixPathinfo) {
  Params params;
  params.set("SCRIPT_FILENAME", "/srv/www/index.php");
  resolveScript(params, PathRules{.fix_pathinfo = false, .doc_root = "/srv/www"}, onlyIndexPhp);
  EXPECT_FALSE(params.has("DOCUMENT_ROOT"));
}

TEST(ResolveScript, BackslashesSplitOnlyWhenNoSlashIsLeft) {
  auto stat = [](const std::string& path) {
    return path == "app" ? FileKind::Regular : FileKind::Missing;
  };
  Params params;
  params.set("SCRIPT_FILENAME", "app\\info");
  ScriptInfo info = resolveScript(params, PathRules{}, stat);
  EXPECT_EQ(info.path_translated, "app");
}

TEST(PhpSelf, WithoutFixPathinfoIgnoresPathInfo) {
  Params params;
  params.set("PATH_INFO", "/foo");
  ScriptInfo info;
  info.request_uri = "/index.php";
  EXPECT_EQ(phpSelf(params, PathRules{.fix_pathinfo = false}, info), "/index.php");
  EXPECT_EQ(phpSelf(params, PathRules{}, info), "/index.php/foo");
}

TEST(StatPath, ReadsTheRealFilesystem) {
  char dir_template[] = "/tmp/fpmd-stat-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string file = dir + "/index.php";
  std::ofstream(file) << "<?php\n";
  EXPECT_EQ(statPath(file), FileKind::Regular);
  EXPECT_EQ(statPath(dir), FileKind::Directory);
  EXPECT_EQ(statPath(dir + "/missing.php"), FileKind::Missing);
  // A regular file used as a directory fails with ENOTDIR: missing, which starts the walk.
  EXPECT_EQ(statPath(file + "/foo"), FileKind::Missing);
  EXPECT_EQ(statPath("/dev/null"), FileKind::Other);
  unlink(file.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace fpmd::cgi
