#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "log/access_log.h"

// Every expected line below was written by Debian's php-fpm8.2 (TZ=UTC) for a request with
// the same inputs, sent over FastCGI to a pool with that access.format.

#include "unit/utc_time_zone.h"

namespace fpmd::log {
namespace {

// 22/Nov/2026:21:49:50 UTC
constexpr time_t kAccepted = 1795384190;

class AccessLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    params_.set("SCRIPT_FILENAME", "/tmp/alog/t.php");
    params_.set("REQUEST_METHOD", "GET");
    params_.set("REQUEST_URI", "/t.php?a=1");
    params_.set("QUERY_STRING", "a=1");
    params_.set("REMOTE_ADDR", "10.1.2.3");
    params_.set("SCRIPT_NAME", "/t.php");
    params_.set("HTTP_EMPTY", "");
    record_.params = &params_;
    record_.response_headers = {"X-Powered-By: PHP/8.2.36",
                                "X-Foo: bar",
                                "X-Empty:",
                                "X-Foo-Bar: baz",
                                "X-NoSpace:val",
                                "xy: ab",
                                "X-Two: 1",
                                "X-Two: 2",
                                "Content-type: text/html; charset=UTF-8"};
    record_.request_uri = "/t.php";
    record_.query_string = "a=1";
    record_.request_method = "GET";
    record_.script_filename = "/tmp/alog/t.php";
    record_.status = 200;
    record_.pool = "www";
    record_.pid = 31631;
    record_.parent_pid = 31630;
    record_.accepted_epoch = kAccepted;
    record_.now_epoch = kAccepted;
  }
  AccessLine line(std::string_view format) {
    auto parsed = AccessFormat::parse(format);
    EXPECT_TRUE(parsed.ok()) << parsed.error();
    if (!parsed.ok()) return {};
    return formatAccessLine(*parsed, record_);
  }
  std::string text(std::string_view format) { return line(format).text; }
  std::string error(std::string_view format) {
    auto parsed = AccessFormat::parse(format);
    return parsed.ok() ? "(parsed)" : parsed.error();
  }

  cgi::Params params_;
  AccessRecord record_;
  fpmd::test_support::UtcTimeZone utc_;
};

TEST_F(AccessLogTest, DefaultFormatOverAUnixSocket) {
  EXPECT_EQ(text(R"(%R - %u %t "%m %r" %s)"),
            "- -  22/Nov/2026:21:49:50 +0000 \"GET /t.php\" 200\n");
}

TEST_F(AccessLogTest, RequestCodes) {
  record_.client_ip = "127.0.0.1";
  record_.content_length = 5;
  record_.accepted_epoch = kAccepted + 14;
  EXPECT_EQ(text("%R|%u|%t|%m|%r|%q|%Q|%s|%f|%l|%n|%p|%P|"),
            "127.0.0.1||22/Nov/2026:21:50:04 +0000|GET|/t.php|a=1|?|200|/tmp/alog/t.php|5|www|"
            "31631|31630|\n");
}

TEST_F(AccessLogTest, EmptyRequestFields) {
  // Only SCRIPT_FILENAME sent: no method, no SCRIPT_NAME, no query.
  record_.request_uri.clear();
  record_.query_string.clear();
  record_.request_method.clear();
  EXPECT_EQ(text("%r|%q|%Q|%m|%f|%l|"), "|||-|/tmp/alog/t.php|0|\n");
  record_.script_filename.clear();  // fix_pathinfo found no script (404)
  record_.pool.clear();
  EXPECT_EQ(text("%f|%n"), "-|-\n");
}

TEST_F(AccessLogTest, AuthUser) {
  record_.auth_user = "bob";
  EXPECT_EQ(text("%u|"), "bob|\n");
  record_.auth_user.clear();
  EXPECT_EQ(text("%u|"), "|\n");
}

TEST_F(AccessLogTest, Params) {
  EXPECT_EQ(text("%{HTTP_HOST}e|%{HTTP_EMPTY}e|%{REMOTE_ADDR}e|%{SCRIPT_NAME}e|%{PATH}e|"),
            "-||10.1.2.3|/t.php|-|\n");
  params_.set("V", std::string("a\0b", 3));
  params_.set("W", "c");
  EXPECT_EQ(text("%{V}e|%{W}e"), "a|c\n");
  record_.params = nullptr;
  EXPECT_EQ(text("%{W}e"), "-\n");
}

TEST_F(AccessLogTest, ThreeByteParamNamesAreNotFound) {
  params_.set("TAG", "x");
  params_.set("TAGS", "z");
  params_.set("HTTP_X", "w");
  EXPECT_EQ(text("%{TAG}e %{V}e %{TAGS}e %{HTTP_X}e"), "- - z w\n");
}

TEST_F(AccessLogTest, ResponseHeaders) {
  EXPECT_EQ(text("%{X-Foo}o|%{X-Empty}o|%{Foo}o|%{Content-Type}o|%{Content-type}o|"
                 "%{X-Powered-By}o|%{x-foo}o|"),
            "bar|-|-|-|text/html; charset=UTF-8|PHP/8.2.36|-|\n");
  EXPECT_EQ(text("%{X-NoSpace}o|%{ab}o|%{X-Two}o|"), "-|ab|1|\n");
}

TEST_F(AccessLogTest, Status) {
  record_.status = 404;
  EXPECT_EQ(text("%s|"), "404|\n");
  EXPECT_EQ(text("%{}s"), "404\n");
}

TEST_F(AccessLogTest, Duration) {
  record_.duration_us = 2952;
  EXPECT_EQ(text("%d|%{seconds}d|%{milli}d|%{milliseconds}d|%{micro}d|%{microseconds}d|"
                 "%{MILLI}d|%{mili}d|%{miliseconds}d|"),
            "0.003|0.003|2.952|2.952|2952|2952|2.952|2.952|2.952|\n");
  record_.duration_us = 3'000'001;
  EXPECT_EQ(text("%d|%{milli}d|%{micro}d"), "3.000|3000.001|3000001\n");
}

TEST_F(AccessLogTest, Cpu) {
  record_.duration_us = 2952;
  EXPECT_EQ(text("%C|%{total}C|%{user}C|%{system}C|"), "0.00|0.00|0.00|0.00|\n");
  record_.duration_us = 100'000;
  record_.cpu_user_ticks = 3;
  record_.cpu_system_ticks = 2;
  EXPECT_EQ(text("%C|%{USER}C|%{system}C"), "50.00|30.00|20.00\n");
}

TEST_F(AccessLogTest, Memory) {
  record_.memory_peak = 2097152;
  EXPECT_EQ(text("%M|%{bytes}M|%{kilo}M|%{kilobytes}M|%{mega}M|%{megabytes}M|"),
            "2097152|2097152|2048|2048|2|2|\n");
  record_.memory_peak = 7344128;
  EXPECT_EQ(text("%M|%{bytes}M|%{kilo}M|%{kilobytes}M|%{mega}M|%{megabytes}M|"),
            "7344128|7344128|7172|7172|7|7|\n");
}

TEST_F(AccessLogTest, Times) {
  record_.accepted_epoch = 1795384282;
  record_.now_epoch = 1795384282;
  EXPECT_EQ(text("%t|%{%Y-%m-%d %H}t|%T|%{%s}T|%{}t|"),
            "22/Nov/2026:21:51:22 +0000|2026-11-22 21|22/Nov/2026:21:51:22 +0000|1795384282|"
            "22/Nov/2026:21:51:22 +0000|\n");
  record_.now_epoch = 1795384282 + 61;
  EXPECT_EQ(text("%{%H:%M:%S}t %{%H:%M:%S}T"), "21:51:22 21:52:23\n");
  std::string years;
  for (int i = 0; i < 31; ++i) years += "%Y";
  std::string expected;
  for (int i = 0; i < 31; ++i) expected += "2026";
  EXPECT_EQ(text("%{" + years + "}t|"), expected + "|\n");
}

TEST_F(AccessLogTest, FormatSyntax) {
  EXPECT_EQ(text("100%%|"), "100%|\n");
  EXPECT_EQ(text("a%{abc}e"), "a-\n");
  EXPECT_EQ(text("abc%"), "abc\n");
  EXPECT_EQ(text("%{a}{HTTP_EMPTY}e|"), "|\n");
  EXPECT_EQ(text("%%{x}e|"), "%{x}e|\n");
  // A {argument} keeps its first 128 bytes.
  params_.set(std::string(128, 'A'), "hit128");
  params_.set(std::string(127, 'A'), "hit127");
  EXPECT_EQ(text("%{" + std::string(140, 'A') + "}e"), "hit128\n");
}

TEST_F(AccessLogTest, EmptyLinesAreNotWritten) {
  EXPECT_EQ(text(""), "");
  record_.query_string.clear();
  EXPECT_EQ(text("%q"), "");
  EXPECT_EQ(text("%q%Q"), "");
}

TEST_F(AccessLogTest, ConfigErrors) {
  EXPECT_EQ(error("%e"),
            "the name of the environment variable must be set between embraces for %e");
  EXPECT_EQ(error("%{}e"),
            "the name of the environment variable must be set between embraces for %e");
  EXPECT_EQ(error("%{}o"), "the name of the header must be set between embraces for %o");
  EXPECT_EQ(error("%o"), "the name of the header must be set between embraces for %o");
  EXPECT_EQ(error("%{bogus}d|"),
            "only 'seconds', 'milli', 'milliseconds', 'micro' or 'microseconds' are allowed as "
            "a modifier for %d ('bogus')");
  EXPECT_EQ(error("%{bogus}C"),
            "only 'total', 'user' or 'system' are allowed as a modifier for %C ('bogus')");
  EXPECT_EQ(error("%{bogus}M"),
            "only 'bytes', 'kilo', 'kilobytes', 'mega' or 'megabytes' are allowed as a modifier "
            "for %M ('bogus')");
  EXPECT_EQ(error("100%%|%x"), "Invalid token in the access.format (%x)");
  EXPECT_EQ(error("%{abc"), "missing closing embrace in the access.format");
  EXPECT_EQ(error("%{abc}"), "missing closing embrace in the access.format");
  EXPECT_EQ(error("%{x}s"), "embrace is not allowed for modifier %s");
  EXPECT_EQ(error("%{x}%"), "embrace is not allowed for modifier %%");
  EXPECT_EQ(error("%{a}%{b}e"), "embrace is not allowed for modifier %%");
  // An invalid code is reported before a misplaced argument.
  EXPECT_EQ(error("%{x}j"), "Invalid token in the access.format (%j)");
}

TEST_F(AccessLogTest, ScoreboardFieldLengths) {
  std::string alphabet;
  for (int i = 0; i < 2000; ++i) alphabet += static_cast<char>('a' + i % 26);
  record_.query_string = alphabet;
  EXPECT_EQ(text("%q"), alphabet.substr(0, 511) + "\n");
  record_.request_uri = "/" + alphabet.substr(0, 300);
  record_.request_method = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  record_.auth_user = alphabet.substr(0, 100);
  EXPECT_EQ(text("%r|%m|%u|"),
            "/" + alphabet.substr(0, 126) + "|ABCDEFGHIJKLMNO|" + alphabet.substr(0, 31) + "|\n");
  record_.script_filename = "/" + alphabet.substr(0, 300);
  EXPECT_EQ(text("%f"), "/" + alphabet.substr(0, 254) + "\n");
  record_.pool = std::string(44, 'w');
  EXPECT_EQ(text("%n"), std::string(31, 'w') + "\n");
}

TEST_F(AccessLogTest, ContentLengthPrintsUnsigned) {
  record_.content_length = 12;  // "12abc"
  EXPECT_EQ(text("%l|"), "12|\n");
  record_.content_length = -5;
  EXPECT_EQ(text("%l|"), "18446744073709551611|\n");
}

class AccessLogCapTest : public AccessLogTest {
 protected:
  void SetUp() override {
    AccessLogTest::SetUp();
    for (int i = 0; i < 2000; ++i) long_value_ += static_cast<char>('a' + i % 26);
    params_.set("QQ", long_value_);
  }
  std::string long_value_;
};

TEST_F(AccessLogCapTest, LiteralTextFillsTheBufferExactly) {
  log::AccessLine full = line(std::string(1024, 'x'));
  EXPECT_EQ(full.text, std::string(1024, 'x') + "\n");
  EXPECT_FALSE(full.truncated);
  log::AccessLine over = line(std::string(1030, 'x'));
  EXPECT_EQ(over.text, std::string(1024, 'x') + "\n");
  EXPECT_TRUE(over.truncated);
}

TEST_F(AccessLogCapTest, ACutValueLeavesItsNulByte) {
  log::AccessLine only = line("%{QQ}e|");
  EXPECT_EQ(only.text, long_value_.substr(0, 1023) + std::string(1, '\0') + "\n");
  EXPECT_TRUE(only.truncated);
  log::AccessLine after = line(std::string(1000, 'x') + "%{QQ}e|tail");
  EXPECT_EQ(after.text,
            std::string(1000, 'x') + long_value_.substr(0, 23) + std::string(1, '\0') + "\n");
  EXPECT_TRUE(after.truncated);
  // No room at all: snprintf() writes only its NUL.
  log::AccessLine none = line(std::string(1023, 'x') + "%{QQ}e|tail");
  EXPECT_EQ(none.text, std::string(1023, 'x') + std::string(1, '\0') + "\n");
  EXPECT_TRUE(none.truncated);
  // The buffer was already full when the code came.
  log::AccessLine late = line(std::string(1024, 'x') + "%{QQ}e|tail");
  EXPECT_EQ(late.text, std::string(1024, 'x') + "\n");
  EXPECT_TRUE(late.truncated);
}

TEST_F(AccessLogCapTest, ValuesAtTheBoundary) {
  const std::string head(1000, 'x');
  params_.set("V", std::string(24, 'v'));
  log::AccessLine exact = line(head + "%{V}e");
  EXPECT_EQ(exact.text, head + std::string(23, 'v') + std::string(1, '\0') + "\n");
  EXPECT_TRUE(exact.truncated);
  params_.set("V", std::string(23, 'v'));
  log::AccessLine fits = line(head + "%{V}e");
  EXPECT_EQ(fits.text, head + std::string(23, 'v') + "\n");
  EXPECT_FALSE(fits.truncated);
  log::AccessLine one_more = line(head + "%{V}ey");
  EXPECT_EQ(one_more.text, head + std::string(23, 'v') + "y\n");
  EXPECT_FALSE(one_more.truncated);
  log::AccessLine two_more = line(head + "%{V}eyz");
  EXPECT_EQ(two_more.text, head + std::string(23, 'v') + "y\n");
  EXPECT_TRUE(two_more.truncated);
}

TEST_F(AccessLogCapTest, PercentIsWrittenDirectly) {
  log::AccessLine last = line(std::string(1023, 'x') + "%%");
  EXPECT_EQ(last.text, std::string(1023, 'x') + "%\n");
  EXPECT_TRUE(last.truncated);
  log::AccessLine fits = line(std::string(1022, 'x') + "%%|");
  EXPECT_EQ(fits.text, std::string(1022, 'x') + "%|\n");
  EXPECT_FALSE(fits.truncated);
  log::AccessLine trailing = line(std::string(1024, 'x') + "%");
  EXPECT_EQ(trailing.text, std::string(1024, 'x') + "\n");
  EXPECT_TRUE(trailing.truncated);
}

class SuppressTest : public AccessLogTest {
 protected:
  void SetUp() override {
    AccessLogTest::SetUp();
    record_.query_string.clear();
  }
  bool dropped() { return log::suppressed(paths_, record_); }
  std::vector<std::string> paths_{"/t.php", "/s204.php"};
};

TEST_F(SuppressTest, Plain2xxGetAndHeadAreDropped) {
  EXPECT_TRUE(dropped());
  record_.request_method = "HEAD";
  EXPECT_TRUE(dropped());
  record_.request_uri = "/s204.php";
  record_.status = 204;
  EXPECT_TRUE(dropped());
  record_.status = 299;
  EXPECT_TRUE(dropped());
  record_.content_length = -5;
  EXPECT_TRUE(dropped());
}

TEST_F(SuppressTest, AnythingElseIsLogged) {
  record_.query_string = "a=1";
  EXPECT_FALSE(dropped());
  record_.query_string.clear();
  for (const char* method : {"POST", "get", "OPTIONS"}) {
    record_.request_method = method;
    EXPECT_FALSE(dropped()) << method;
  }
  record_.request_method = "GET";
  record_.content_length = 5;
  EXPECT_FALSE(dropped());
  record_.content_length = 0;
  for (int status : {199, 300, 404}) {
    record_.status = status;
    EXPECT_FALSE(dropped()) << status;
  }
  record_.status = 200;
  record_.request_uri = "/other";  // SCRIPT_NAME /other, REQUEST_URI /t.php
  EXPECT_FALSE(dropped());
  record_.request_uri = "/t.php/";
  EXPECT_FALSE(dropped());
  EXPECT_FALSE(log::suppressed({}, record_));
}

}  // namespace
}  // namespace fpmd::log
