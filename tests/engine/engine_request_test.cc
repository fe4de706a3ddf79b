// What a script sees of the request: $_GET, $_POST, uploads, php://input, cookies,
// $_SERVER and getenv() from the params.

#include <gtest/gtest.h>

#include "engine_harness.h"

namespace fpmd::php::testing {
namespace {

TEST(EngineRequest, HelloWorld) {
  Response r = run("hello.php");
  EXPECT_EQ(r.body, "Hello, world!\n");
  EXPECT_EQ(r.headers, "X-Powered-By: PHP/" + phpVersion() +
                           "\r\nContent-type: text/html; charset=UTF-8\r\n\r\n");
  EXPECT_EQ(r.outcome.status, 200);
  EXPECT_EQ(r.outcome.script_filename, fixture("hello.php"));
  EXPECT_GT(r.outcome.memory_peak, 0u);
  EXPECT_FALSE(r.outcome.finished_early);
  EXPECT_EQ(r.finish_calls, 1);
}

TEST(EngineRequest, SapiNameAndPhpSelf) {
  Response r = run("vars.php");
  EXPECT_NE(r.body.find("sapi:fpm-fcgi\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("self:/vars.php\n"), std::string::npos) << r.body;
}

TEST(EngineRequest, QueryString) {
  Response r = run("vars.php", {{"QUERY_STRING", "a=1&b[]=x"}});
  EXPECT_NE(r.body.find(R"(get:{"a":"1","b":["x"]})"), std::string::npos) << r.body;
}

TEST(EngineRequest, UrlencodedPost) {
  Response r =
      run("vars.php",
          {{"REQUEST_METHOD", "POST"}, {"CONTENT_TYPE", "application/x-www-form-urlencoded"}},
          "name=fpmd&n=2");
  EXPECT_NE(r.body.find(R"(post:{"name":"fpmd","n":"2"})"), std::string::npos) << r.body;
}

TEST(EngineRequest, PhpInputHoldsRawBody) {
  Response r = run("vars.php", {{"REQUEST_METHOD", "PUT"}, {"CONTENT_TYPE", "application/json"}},
                   R"({"k":1})");
  EXPECT_NE(r.body.find(R"(input:{"k":1})"
                        "\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("post:[]"), std::string::npos) << r.body;
}

TEST(EngineRequest, MultipartUpload) {
  const std::string boundary = "----fpmdboundary";
  std::string body = "--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n"
                     "--" +
                     boundary +
                     "\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n"
                     "Content-Type: text/plain\r\n\r\nfile contents\r\n"
                     "--" +
                     boundary + "--\r\n";
  Response r = run(
      "upload.php",
      {{"REQUEST_METHOD", "POST"}, {"CONTENT_TYPE", "multipart/form-data; boundary=" + boundary}},
      body);
  EXPECT_NE(r.body.find("doc:a.txt:13:0:uploaded:file contents\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"(post:{"field":"value"})"), std::string::npos) << r.body;
}

TEST(EngineRequest, UploadOverLimitIsRefused) {
  const std::string boundary = "b";
  std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n"
      "\r\n" +
      std::string(3000, 'x') + "\r\n--b--\r\n";
  Response r = run("upload.php",
                   {{"REQUEST_METHOD", "POST"},
                    {"CONTENT_TYPE", "multipart/form-data; boundary=" + boundary},
                    {"PHP_VALUE", "upload_max_filesize=1K"}},
                   body);
  // UPLOAD_ERR_INI_SIZE
  EXPECT_NE(r.body.find("doc:a.txt:0:1:not-uploaded:"), std::string::npos) << r.body;
}

TEST(EngineRequest, Cookies) {
  Response r = run("vars.php", {{"HTTP_COOKIE", "a=1; b=two"}});
  EXPECT_NE(r.body.find(R"(cookie:{"a":"1","b":"two"})"), std::string::npos) << r.body;
}

TEST(EngineRequest, ParamsReachServerAndGetenv) {
  Response r = run("vars.php", {{"X_CUSTOM", "from-param"}});
  EXPECT_NE(r.body.find("server_custom:from-param\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("getenv_custom:'from-param'\n"), std::string::npos) << r.body;
}

TEST(EngineRequest, BasicAuthAndRequestHeaders) {
  // "dTpw" is base64 of "u:p".
  Response r = run("vars.php", {{"HTTP_AUTHORIZATION", "Basic dTpw"}, {"HTTP_X_FOO", "bar"}});
  EXPECT_NE(r.body.find("auth:u/p\n"), std::string::npos) << r.body;
  // Newest param first, as php-fpm8.2 lists them.
  EXPECT_NE(r.body.find(R"(headers:{"X-Foo":"bar","Authorization":"Basic dTpw")"),
            std::string::npos)
      << r.body;
}

}  // namespace
}  // namespace fpmd::php::testing
