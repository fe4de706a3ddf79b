// The dashboard's static promises: a page with nothing inline that loads only its own script
// and stylesheet from the status path, both served with their types under a policy without
// 'unsafe-inline'; a script that reads `?json&full` of its own path and never parses data as
// HTML; the files compiled in byte for byte. The rendering itself is checked in a real
// Chromium by tests/e2e/test_dashboard.py.

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "status/dashboard.h"
#include "status/routing.h"

namespace fpmd::status {
namespace {

std::string_view page() {
  return dashboardFile(StatusFormat::Dashboard)->bytes;
}
std::string_view script() {
  return dashboardFile(StatusFormat::DashboardScript)->bytes;
}
std::string_view style() {
  return dashboardFile(StatusFormat::DashboardStyle)->bytes;
}

size_t count(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

/// The values of every `name="..."` attribute in the page.
std::vector<std::string> attributeValues(std::string_view html, std::string_view name) {
  std::vector<std::string> values;
  const std::string key = " " + std::string(name) + "=\"";
  for (size_t at = html.find(key); at != std::string_view::npos; at = html.find(key, at + 1)) {
    size_t start = at + key.size();
    values.emplace_back(html.substr(start, html.find('"', start) - start));
  }
  return values;
}

std::string header(const HttpAnswer& answer, std::string_view name) {
  for (const auto& [key, value] : answer.headers) {
    if (std::equal(
            key.begin(), key.end(), name.begin(), name.end(),
            [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return "(none)";
}

cgi::Params request(std::string query, std::string method = "GET") {
  cgi::Params params;
  params.set("SCRIPT_NAME", "/status");
  params.set("REQUEST_METHOD", std::move(method));
  params.set("QUERY_STRING", std::move(query));
  return params;
}

const PageRoutes kRoutes{"/ping", "pong", "/status"};

HttpAnswer answer(const cgi::Params& params) {
  StatusReaders readers;
  // The files need no status: a pool that cannot be read does not stop them.
  readers.pool = [] { return std::optional<PoolStatus>(); };
  std::optional<HttpAnswer> answer =
      answerBuiltinPage(kRoutes, params, answerOptionsFor(params, {}), readers);
  EXPECT_TRUE(answer);
  return answer.value_or(HttpAnswer{});
}

TEST(StatusDashboardTest, PageIsOneHtmlDocumentWithNothingInline) {
  EXPECT_TRUE(page().starts_with("<!DOCTYPE html>\n<html"));
  EXPECT_TRUE(page().ends_with("</html>\n"));
  EXPECT_EQ(count(page(), "<script"), 1u);
  EXPECT_NE(page().find("<script src=\"?dashboard.js\" defer></script>"), std::string_view::npos);
  EXPECT_EQ(count(page(), "<link rel=\"stylesheet\" href=\"?dashboard.css\">"), 1u);
  EXPECT_EQ(page().find("<style"), std::string_view::npos);
  EXPECT_TRUE(attributeValues(page(), "style").empty());
  // No event handler attributes (onload="...") either: they are inline script.
  std::string text(page());
  EXPECT_FALSE(std::regex_search(text, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase)));
  EXPECT_EQ(page().data(), dashboardFile(StatusFormat::Dashboard)->bytes.data())
      << "compiled in, not built per request";
}

TEST(StatusDashboardTest, PolicyAllowsNothingInline) {
  std::string_view policy = dashboardContentSecurityPolicy();
  for (std::string_view directive :
       {"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
        "img-src data:", "base-uri 'none'", "frame-ancestors 'none'"}) {
    EXPECT_NE(policy.find(directive), std::string_view::npos) << directive;
  }
  for (std::string_view text : {policy, page()}) {
    EXPECT_EQ(text.find("unsafe-inline"), std::string_view::npos);
    EXPECT_EQ(text.find("unsafe-eval"), std::string_view::npos);
  }
  // The meta element holds the header's policy but frame-ancestors, which it cannot set.
  std::vector<std::string> contents = attributeValues(page(), "content");
  ASSERT_EQ(contents.size(), 3u);  // viewport, policy, referrer
  EXPECT_EQ(contents[1] + "; frame-ancestors 'none'", policy);
}

TEST(StatusDashboardTest, LoadsNothingFromOutside) {
  for (std::string_view text : {page(), script(), style()}) {
    EXPECT_EQ(text.find("http://"), std::string_view::npos);
    EXPECT_EQ(text.find("https://"), std::string_view::npos);
  }
  EXPECT_EQ(style().find("@import"), std::string_view::npos);
  EXPECT_EQ(style().find("url("), std::string_view::npos);
  EXPECT_EQ(attributeValues(page(), "src"), std::vector<std::string>{"?dashboard.js"});
  EXPECT_EQ(attributeValues(page(), "href"),
            (std::vector<std::string>{"data:,", "?dashboard.css"}));
}

TEST(StatusDashboardTest, QueryKeysNameTheFiles) {
  EXPECT_EQ(parseStatusQuery("dashboard").format, StatusFormat::Dashboard);
  EXPECT_EQ(parseStatusQuery("dashboard.js").format, StatusFormat::DashboardScript);
  EXPECT_EQ(parseStatusQuery("dashboard.css").format, StatusFormat::DashboardStyle);
  EXPECT_EQ(parseStatusQuery("json&dashboard.css&full").format, StatusFormat::DashboardStyle);
  EXPECT_EQ(parseStatusQuery("dashboard&dashboard.js").format, StatusFormat::DashboardScript);
  EXPECT_EQ(parseStatusQuery("dashboard.jsx").format, StatusFormat::Text);
  EXPECT_FALSE(dashboardFile(StatusFormat::Json));
}

TEST(StatusDashboardTest, FilesAreServedWithTheirTypes) {
  struct Expected {
    std::string query;
    std::string_view type;
    std::string_view bytes;
  };
  for (const Expected& file : {Expected{"dashboard", "text/html; charset=utf-8", page()},
                               Expected{"dashboard&all", "text/html; charset=utf-8", page()},
                               Expected{"dashboard.js", "text/javascript; charset=utf-8", script()},
                               Expected{"dashboard.css", "text/css; charset=utf-8", style()}}) {
    HttpAnswer got = answer(request(file.query));
    EXPECT_EQ(got.status, 200) << file.query;
    EXPECT_EQ(header(got, "Content-Type"), file.type) << file.query;
    EXPECT_EQ(header(got, "X-Content-Type-Options"), "nosniff") << file.query;
    EXPECT_EQ(got.body, file.bytes) << file.query;
  }
  HttpAnswer html = answer(request("dashboard"));
  EXPECT_EQ(header(html, "Content-Security-Policy"), dashboardContentSecurityPolicy());
  EXPECT_EQ(header(html, "Cache-Control"), "no-cache, no-store, must-revalidate, max-age=0");
  EXPECT_EQ(header(html, "ETag"), "(none)");
  HttpAnswer js = answer(request("dashboard.js"));
  EXPECT_EQ(header(js, "Cache-Control"), "no-cache");
  EXPECT_TRUE(std::regex_match(header(js, "ETag"), std::regex("\"[0-9a-f]{64}\"")))
      << header(js, "ETag");
  EXPECT_NE(header(js, "ETag"), header(answer(request("dashboard.css")), "ETag"));
}

TEST(StatusDashboardTest, HeadSendsTheHeadersOfGetWithoutTheBody) {
  for (std::string query : {"dashboard", "dashboard.js", "dashboard.css"}) {
    HttpAnswer get = answer(request(query));
    HttpAnswer head = answer(request(query, "HEAD"));
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers, get.headers) << query;
    EXPECT_EQ(head.body, "") << query;
  }
}

TEST(StatusDashboardTest, AnUnchangedFileIsNotModified) {
  std::string etag = header(answer(request("dashboard.js")), "ETag");
  for (const std::string& if_none_match :
       std::vector<std::string>{etag, "W/" + etag, "\"other\", " + etag, "*"}) {
    cgi::Params params = request("dashboard.js");
    params.set("HTTP_IF_NONE_MATCH", if_none_match);
    HttpAnswer got = answer(params);
    EXPECT_EQ(got.status, 304) << if_none_match;
    EXPECT_EQ(got.body, "");
    EXPECT_EQ(header(got, "ETag"), etag);
    EXPECT_EQ(header(got, "Content-Type"), "(none)");
    EXPECT_TRUE(toCgiResponse(got).starts_with("Status: 304 Not Modified\r\n"));
  }
  cgi::Params changed = request("dashboard.js");
  changed.set("HTTP_IF_NONE_MATCH", "\"other\"");
  EXPECT_EQ(answer(changed).status, 200);
  // The page is never stored, so it has nothing to revalidate.
  cgi::Params page_request = request("dashboard");
  page_request.set("HTTP_IF_NONE_MATCH", "*");
  EXPECT_EQ(answer(page_request).status, 200);
}

TEST(StatusDashboardTest, ScriptReadsFullJsonOfItsOwnPath) {
  EXPECT_NE(script().find("location.pathname + (ALL ? '?all&json&full' : '?json&full')"),
            std::string_view::npos);
  // Of the page's own query only `all` is looked at (the master's every-pool view).
  EXPECT_NE(script().find("new URLSearchParams(location.search).has('all')"),
            std::string_view::npos);
  EXPECT_EQ(script().find("location.href"), std::string_view::npos);
}

TEST(StatusDashboardTest, ScriptNeverParsesDataAsHtml) {
  for (std::string_view sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                                "eval(", "new Function"}) {
    EXPECT_EQ(script().find(sink), std::string_view::npos) << sink;
  }
  EXPECT_NE(script().find("textContent"), std::string_view::npos);
  // An inline style attribute would be refused under style-src 'self' (element.style is not).
  EXPECT_EQ(script().find("'style'"), std::string_view::npos);
}

std::string sourceFile(const std::string& name) {
  std::ifstream in(std::string(FPMD_SOURCE_DIR) + "/src/status/dashboard/" + name,
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(StatusDashboardTest, FilesAreCompiledInByteForByte) {
  EXPECT_EQ(page(), sourceFile("dashboard.html"));
  EXPECT_EQ(script(), sourceFile("dashboard.js"));
  EXPECT_EQ(style(), sourceFile("dashboard.css"));
  EXPECT_NE(script().find("µs"), std::string_view::npos) << "UTF-8 kept as it is";
}

}  // namespace
}  // namespace fpmd::status
