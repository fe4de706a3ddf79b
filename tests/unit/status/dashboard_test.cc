// The dashboard page's static promises: one self-contained document that loads nothing from
// anywhere, reads `?json&full` of its own path, and never parses data as HTML. The rendering
// itself is checked in a real Chromium by tests/e2e/test_dashboard.py.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "status/dashboard.h"

namespace fpmd::status {
namespace {

size_t count(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

/// The values of every `name="..."` attribute in the page.
std::vector<std::string> attributeValues(std::string_view page, std::string_view name) {
  std::vector<std::string> values;
  const std::string key = std::string(name) + "=\"";
  for (size_t at = page.find(key); at != std::string_view::npos; at = page.find(key, at + 1)) {
    size_t start = at + key.size();
    values.emplace_back(page.substr(start, page.find('"', start) - start));
  }
  return values;
}

TEST(StatusDashboardTest, IsOneHtmlDocument) {
  std::string_view page = status::dashboardPage();
  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>\n<html"));
  EXPECT_TRUE(page.ends_with("</html>\n"));
  EXPECT_EQ(count(page, "<script"), 1u);
  EXPECT_EQ(count(page, "</script"), 1u);
  EXPECT_EQ(count(page, "<style"), 1u);
  EXPECT_EQ(count(page, "</style"), 1u);
  EXPECT_EQ(page.data(), status::dashboardPage().data()) << "built once, then shared";
}

TEST(StatusDashboardTest, LoadsNothingFromOutside) {
  std::string_view page = status::dashboardPage();
  EXPECT_EQ(page.find("http://"), std::string_view::npos);
  EXPECT_EQ(page.find("https://"), std::string_view::npos);
  EXPECT_EQ(page.find("@import"), std::string_view::npos);
  EXPECT_EQ(page.find("url("), std::string_view::npos);
  EXPECT_TRUE(attributeValues(page, "src").empty());
  EXPECT_EQ(attributeValues(page, "href"), std::vector<std::string>{"data:,"});
  EXPECT_NE(page.find("default-src 'none'"), std::string_view::npos);
  EXPECT_NE(page.find("connect-src 'self'"), std::string_view::npos);
}

TEST(StatusDashboardTest, ReadsFullJsonOfItsOwnPath) {
  std::string_view page = status::dashboardPage();
  EXPECT_NE(page.find("location.pathname + (ALL ? '?all&json&full' : '?json&full')"),
            std::string_view::npos);
  // Of the page's own query only `all` is looked at (the master's every-pool view).
  EXPECT_NE(page.find("new URLSearchParams(location.search).has('all')"), std::string_view::npos);
  EXPECT_EQ(page.find("location.href"), std::string_view::npos);
}

TEST(StatusDashboardTest, NeverParsesDataAsHtml) {
  std::string_view page = status::dashboardPage();
  for (std::string_view sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                                "eval(", "new Function"}) {
    EXPECT_EQ(page.find(sink), std::string_view::npos) << sink;
  }
  EXPECT_NE(page.find("textContent"), std::string_view::npos);
}

}  // namespace
}  // namespace fpmd::status
