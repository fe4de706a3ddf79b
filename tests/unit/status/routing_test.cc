// One routing for the built-in pages, used by the worker and the master's status socket.

#include <gtest/gtest.h>

#include "status/routing.h"

namespace fpmd::status {
namespace {

cgi::Params request(std::string script, std::string method = "GET", std::string query = "") {
  cgi::Params params;
  params.set("SCRIPT_NAME", std::move(script));
  params.set("REQUEST_METHOD", std::move(method));
  params.set("QUERY_STRING", std::move(query));
  return params;
}

PoolStatus poolNamed(std::string name) {
  PoolStatus pool;
  pool.pool = std::move(name);
  pool.process_manager = "static";
  return pool;
}

const PageRoutes kRoutes{"/ping", "pong", "/status"};

TEST(StatusRouting, OtherScriptsAreNotBuiltinPages) {
  StatusReaders readers;
  EXPECT_FALSE(isBuiltinPage(kRoutes, request("/index.php")));
  EXPECT_TRUE(isBuiltinPage(kRoutes, request("/ping")));
  EXPECT_TRUE(isBuiltinPage(kRoutes, request("/status")));
  EXPECT_FALSE(answerBuiltinPage(kRoutes, request("/index.php"), {}, readers));
  // Exact match, as PHP-FPM: no prefix, no trailing slash.
  EXPECT_FALSE(answerBuiltinPage(kRoutes, request("/status/"), {}, readers));
  EXPECT_FALSE(answerBuiltinPage(kRoutes, request("/pingx"), {}, readers));
  PageRoutes none{"", "pong", ""};
  EXPECT_FALSE(answerBuiltinPage(none, request(""), {}, readers));
}

TEST(StatusRouting, PingWinsWhenBothPathsAreTheSame) {
  PageRoutes same{"/same", "alive", "/same"};
  StatusReaders readers;
  readers.pool = [] { return std::optional(poolNamed("www")); };
  auto answer = answerBuiltinPage(same, request("/same"), {}, readers);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->body, "alive");
}

TEST(StatusRouting, StatusReadsThePoolAndItsQuery) {
  StatusReaders readers;
  readers.pool = [] { return std::optional(poolNamed("www")); };
  auto text = answerBuiltinPage(kRoutes, request("/status"), {}, readers);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 200);
  EXPECT_NE(text->body.find("pool:                 www"), std::string::npos) << text->body;
  auto json = answerBuiltinPage(kRoutes, request("/status", "GET", "json"), {}, readers);
  ASSERT_TRUE(json);
  EXPECT_EQ(json->body.rfind("{\"pool\":\"www\"", 0), 0u) << json->body;
}

TEST(StatusRouting, AnUnreadablePoolIsAnInternalError) {
  StatusReaders readers;
  readers.pool = [] { return std::optional<PoolStatus>(); };
  auto answer = answerBuiltinPage(kRoutes, request("/status"), {}, readers);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 500);
}

TEST(StatusRouting, AllPoolsOnlyWhereTheyCanBeRead) {
  StatusReaders worker;
  worker.pool = [] { return std::optional(poolNamed("www")); };
  auto one = answerBuiltinPage(kRoutes, request("/status", "GET", "all&json"), {}, worker);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->body.find("\"api\""), std::string::npos);

  StatusReaders master = worker;
  master.all_pools = [] { return std::vector{poolNamed("www"), poolNamed("api")}; };
  auto all = answerBuiltinPage(kRoutes, request("/status", "GET", "all&json"), {}, master);
  ASSERT_TRUE(all);
  EXPECT_NE(all->body.find("\"api\""), std::string::npos) << all->body;
  EXPECT_NE(all->body.find("\"www\""), std::string::npos) << all->body;
}

TEST(StatusRouting, HeadRequestsSendNoBody) {
  AnswerOptions defaults;
  defaults.powered_by = "PHP/8.2";
  AnswerOptions head = answerOptionsFor(request("/ping", "HEAD"), defaults);
  EXPECT_TRUE(head.head_only);
  EXPECT_EQ(head.powered_by, "PHP/8.2");
  EXPECT_FALSE(answerOptionsFor(request("/ping", "GET"), defaults).head_only);
  StatusReaders readers;
  auto answer = answerBuiltinPage(kRoutes, request("/ping", "HEAD"), head, readers);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->body, "");
}

}  // namespace
}  // namespace fpmd::status
