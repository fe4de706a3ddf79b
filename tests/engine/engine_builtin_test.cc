// PHP-FPM's own answers (404, 403), ini settings from the pool and the params, and
// requests in a row sharing nothing.

#include <gtest/gtest.h>

#include <cstdlib>

#include "engine_harness.h"

namespace fpmd::php::testing {
namespace {

TEST(EngineBuiltin, MissingScriptIs404FileNotFound) {
  Response r = run("nothere.php");
  EXPECT_EQ(r.headers, "Status: 404 Not Found\r\nX-Powered-By: PHP/" + phpVersion() +
                           "\r\nContent-type: text/html; charset=UTF-8\r\n\r\n");
  EXPECT_EQ(r.body, "File not found.\n");
  EXPECT_EQ(r.err, "Primary script unknown");
  EXPECT_EQ(r.outcome.status, 404);
  // PHP-FPM's fpm_request_end() marks even a 404 as Finishing.
  EXPECT_EQ(r.stages,
            (std::vector<cgi::Stage>{cgi::Stage::GettingRequestInfo, cgi::Stage::Finishing}));
}

TEST(EngineBuiltin, NoScriptParamsIs404) {
  Response r = runParams({{"REQUEST_METHOD", "GET"}});
  EXPECT_EQ(r.body, "File not found.\n");
  EXPECT_EQ(r.outcome.status, 404);
}

TEST(EngineBuiltin, BlockedExtensionIs403) {
  Response r = run("plain.txt");
  EXPECT_EQ(r.headers.rfind("Status: 403 Forbidden\r\n", 0), 0u) << r.headers;
  EXPECT_EQ(r.body, "Access denied.\n");
  EXPECT_EQ(r.err, "Access to the script '" + fixture("plain.txt") +
                       "' has been denied (see security.limit_extensions)");
  EXPECT_EQ(r.outcome.status, 403);
}

TEST(EngineBuiltin, PoolValuesApply) {
  Response r = run("ini.php");
  EXPECT_NE(r.body.find("precision:10\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("expose_php:1\n"), std::string::npos) << r.body;
  // php_admin_value: set, and locked against ini_set().
  EXPECT_NE(r.body.find("memory_limit:96M\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("ini_set:locked\n"), std::string::npos) << r.body;
}

TEST(EngineBuiltin, PhpValueParamAppliesToThatRequestOnly) {
  Response with = run("ini.php", {{"PHP_VALUE", "precision=5\nmemory_limit=80M"}});
  EXPECT_NE(with.body.find("precision:5\n"), std::string::npos) << with.body;
  EXPECT_NE(with.body.find("memory_limit:80M\n"), std::string::npos) << with.body;
  // PHP_VALUE overrides the pool's php_admin_value but, as in php-fpm8.2, leaves it locked
  // against ini_set().
  EXPECT_NE(with.body.find("ini_set:locked\n"), std::string::npos) << with.body;
  Response after = run("ini.php");
  EXPECT_NE(after.body.find("precision:10\n"), std::string::npos) << after.body;
  EXPECT_NE(after.body.find("memory_limit:96M\n"), std::string::npos) << after.body;
  EXPECT_NE(after.body.find("ini_set:locked\n"), std::string::npos) << after.body;
}

TEST(EngineBuiltin, PhpAdminValueParamLocks) {
  Response r = run("ini.php", {{"PHP_ADMIN_VALUE", "memory_limit=70M"}});
  EXPECT_NE(r.body.find("memory_limit:70M\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("ini_set:locked\n"), std::string::npos) << r.body;
}

TEST(EngineBuiltin, DisabledByParamForThatRequestOnly) {
  const std::string enabled = "strrev:yes\nmethods:yes\nnew:ok 3\ncall:cba\n";
  // First with nothing disabled, so that opcache has the script (and its direct call to
  // strrev) cached: the disabled request must not run that copy.
  EXPECT_EQ(run("disabled.php").body, enabled);
  // Several rounds: what a request takes out must go back in the same way every time.
  for (int round = 0; round < 3; ++round) {
    Response off =
        run("disabled.php",
            {{"PHP_ADMIN_VALUE", "disable_functions=strrev\ndisable_classes=ArrayObject"}});
    EXPECT_EQ(off.body,
              "strrev:no\nmethods:no\n"
              "new:ArrayObject() has been disabled for security reasons\n"
              "call:Call to undefined function strrev()\n")
        << round;
    EXPECT_EQ(run("disabled.php").body, enabled) << round;
  }
}

TEST(EngineBuiltin, AClassLinkedWhileItsParentIsDisabledIsNotCachedForOthers) {
  const std::string whole = "count:2\ncountable:yes\n";
  EXPECT_EQ(run("subclass.php", {{"PHP_ADMIN_VALUE", "disable_classes=ArrayObject"}}).body,
            "count:none\ncountable:no\n");
  EXPECT_EQ(run("subclass.php").body, whole);
  EXPECT_EQ(run("subclass.php").body, whole);
}

TEST(EngineBuiltin, SequentialRequestsShareNothing) {
  Response first = run("vars.php", {{"QUERY_STRING", "only=first"}, {"HTTP_COOKIE", "c=1"}});
  EXPECT_NE(first.body.find(R"(get:{"only":"first"})"), std::string::npos) << first.body;
  Response status = run("status.php", {{"QUERY_STRING", "code=404"}});
  EXPECT_EQ(status.outcome.status, 404);
  Response second = run("vars.php");
  EXPECT_NE(second.body.find("get:[]\n"), std::string::npos) << second.body;
  EXPECT_NE(second.body.find("cookie:[]\n"), std::string::npos) << second.body;
  EXPECT_NE(second.body.find("status:200\n"), std::string::npos) << second.body;
  EXPECT_NE(second.body.find("auth:-/-\n"), std::string::npos) << second.body;
  EXPECT_EQ(second.headers.find("Status:"), std::string::npos) << second.headers;
  for (int i = 0; i < 200; ++i) {
    Response r = run("hello.php", {{"QUERY_STRING", "i=" + std::to_string(i)}});
    ASSERT_EQ(r.body, "Hello, world!\n") << i;
  }
}

TEST(EngineBuiltin, VersionText) {
  const std::string text = versionText();
  EXPECT_EQ(text.rfind("PHP " + phpVersion() + " (fpm-fcgi) (built: ", 0), 0u) << text;
  EXPECT_NE(text.find("Copyright (c) The PHP Group\nZend Engine v"), std::string::npos) << text;
  if (std::getenv("FPMD_ENGINE_NO_OPCACHE") == nullptr) {
    EXPECT_NE(text.find("with Zend OPcache"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace fpmd::php::testing
