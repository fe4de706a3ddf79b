// What PHP-FPM sends back: status lines, headers, messages on the FastCGI stderr stream,
// and how a script ends (fatal error, exception, exit, fastcgi_finish_request).

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine_harness.h"

namespace fpmd::php::testing {
namespace {

TEST(EngineResponse, ResponseCodeGivesStatusLine) {
  Response r = run("status.php", {{"QUERY_STRING", "code=404"}});
  EXPECT_EQ(r.headers.rfind("Status: 404 Not Found\r\n", 0), 0u) << r.headers;
  EXPECT_EQ(r.body, "code set");
  EXPECT_EQ(r.outcome.status, 404);
}

TEST(EngineResponse, UnknownCodeHasNoReason) {
  Response r = run("status.php", {{"QUERY_STRING", "code=599"}});
  EXPECT_EQ(r.headers.rfind("Status: 599\r\n", 0), 0u) << r.headers;
}

TEST(EngineResponse, LocationRedirects) {
  Response r = run("redirect.php");
  EXPECT_EQ(r.headers,
            "Status: 302 Found\r\nX-Powered-By: PHP/" + phpVersion() +
                "\r\nLocation: /elsewhere\r\nContent-type: text/html; charset=UTF-8\r\n\r\n");
  EXPECT_EQ(r.outcome.status, 302);
}

TEST(EngineResponse, ScriptHeaders) {
  Response r = run("headers.php");
  EXPECT_NE(r.headers.find("X-Test: yes\r\n"), std::string::npos) << r.headers;
  // PHP rewrites the header as php-fpm8.2 sends it.
  EXPECT_NE(r.headers.find("Content-type: text/plain;charset=UTF-8\r\n"), std::string::npos)
      << r.headers;
  EXPECT_EQ(r.headers.find("Status:"), std::string::npos) << r.headers;
  EXPECT_EQ(r.headers.find("text/html"), std::string::npos) << r.headers;
}

TEST(EngineResponse, HeadSendsHeadersOnly) {
  Response r = run("hello.php", {{"REQUEST_METHOD", "HEAD"}});
  EXPECT_NE(r.headers.find("Content-type: text/html"), std::string::npos);
  EXPECT_EQ(r.body, "");
}

TEST(EngineResponse, WarningGoesToStderrStream) {
  Response r = run("warning.php");
  EXPECT_EQ(r.err, "PHP message: PHP Warning:  Undefined variable $undefined in " +
                       fixture("warning.php") + " on line 2");
  EXPECT_EQ(r.body, "after\n");
}

TEST(EngineResponse, FatalErrorAfterOutputKeeps200) {
  Response r = run("fatal.php");
  EXPECT_EQ(r.body, "before\n");
  EXPECT_NE(r.err.find("PHP message: PHP Fatal error:  Uncaught Error: Call to undefined "
                       "function undefined_function()"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.outcome.status, 200) << r.headers;
}

TEST(EngineResponse, UncaughtExceptionGives500) {
  Response r = run("exception.php");
  EXPECT_EQ(r.headers.rfind("Status: 500 Internal Server Error\r\n", 0), 0u) << r.headers;
  EXPECT_NE(r.err.find("Uncaught RuntimeException: boom"), std::string::npos) << r.err;
  EXPECT_EQ(r.outcome.status, 500);
}

TEST(EngineResponse, ExitStopsTheScript) {
  Response r = run("exit.php");
  EXPECT_EQ(r.body, "a");
  EXPECT_EQ(r.outcome.status, 200);
}

TEST(EngineResponse, OutputBuffering) {
  Response r = run("buffer.php");
  EXPECT_EQ(r.body, "BUFFERED");
}

TEST(EngineResponse, FastcgiFinishRequest) {
  const std::string marker =
      (std::filesystem::temp_directory_path() / ("fpmd-finish-" + std::to_string(getpid())))
          .string();
  std::filesystem::remove(marker);
  Response r = run("finish.php", {{"QUERY_STRING", "marker=" + marker}});
  EXPECT_EQ(r.body, "visible");
  EXPECT_TRUE(r.outcome.finished_early);
  std::ifstream in(marker);
  std::stringstream text;
  text << in.rdbuf();
  // The script ran on after the response ended; the second call returned false.
  EXPECT_EQ(text.str(), "true,false");
  std::filesystem::remove(marker);
  EXPECT_EQ(r.stages, (std::vector<cgi::Stage>{cgi::Stage::GettingRequestInfo, cgi::Stage::Running,
                                               cgi::Stage::Finishing}));
}

TEST(EngineResponse, StagesOfAPlainRequest) {
  Response r = run("hello.php");
  EXPECT_EQ(r.stages, (std::vector<cgi::Stage>{cgi::Stage::GettingRequestInfo, cgi::Stage::Running,
                                               cgi::Stage::Finishing}));
}

}  // namespace
}  // namespace fpmd::php::testing
