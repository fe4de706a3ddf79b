// How the status page encodes request data (method, URI, query string, user, script), against
// php-fpm8.2: whole rows captured from php-fpm8.2 after a request full of markup, quotes,
// controls, multi-byte and invalid UTF-8, and single strings checked against PHP 8.2's
// json_encode(JSON_INVALID_UTF8_IGNORE) and htmlspecialchars(ENT_COMPAT | ENT_DISALLOWED |
// ENT_XHTML), which is what php-fpm8.2 applies.

#include <stdlib.h>
#include <time.h>

#include <gtest/gtest.h>

#include "status/escape.h"
#include "status/page.h"

#include "unit/status/php_fpm_part.h"

#include "unit/utc_time_zone.h"

namespace fpmd::status {
namespace {

// Sent as method (after "GE"), path (after "/p"), query (after "q="), user and file name.
const std::string kMarkup = "<&>\"'/\\\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x1f\t";
const std::string kInvalid = "ok\xff<";

// The idle child that served that request, as the scoreboard reports it. PHP-FPM's method
// field holds 15 bytes, which cuts "€" in two: that makes the method invalid UTF-8.
status::ProcessStatus servedOne(const std::string& text, int64_t start_since, uint64_t requests,
                                uint64_t duration_us) {
  status::ProcessStatus p;
  p.pid = 11493;
  p.state = "Idle";
  p.start_time = 1795382258;
  p.start_since = start_since;
  p.requests = requests;
  p.request_duration_us = duration_us;
  p.request_method = ("GE" + text).substr(0, 15);
  p.request_uri = "/p" + text;
  p.query_string = "q=" + text;
  p.user = "u" + text;
  std::string file = text;
  for (char& c : file) c = c == '/' ? '_' : c;
  p.script = "/tmp/stx/s" + file + ".php";
  p.last_request_memory = 2097152;
  return p;
}

std::string body(const status::ProcessStatus& process, StatusFormat format) {
  status::PoolStatus status;
  status.pool = "www";
  status.process_manager = "static";
  status.procs = {process};
  return test_support::phpFpmPart(renderStatus(status, {format, true}, {}).body);
}

class StatusEscapeTest : public ::testing::Test {
 protected:
 private:
  fpmd::test_support::UtcTimeZone utc_;
};

TEST_F(StatusEscapeTest, JsonRowAsPhpFpmWritesIt) {
  EXPECT_NE(
      body(servedOne(kMarkup, 57, 42, 42), StatusFormat::Json)
          .find(
              "{\"pid\":11493,\"state\":\"Idle\",\"start time\":1795382258,\"start "
              "since\":57,\"requests\":42,\"request duration\":42,\"request "
              "method\":\"GE<&>\\\"'\\/\\\\\\u0001\x7f\\u00e9\",\"request "
              "uri\":\"\\/p<&>\\\"'\\/"
              "\\\\\\u0001\x7f\\u00e9\\u20ac\\ud83d\\ude00\\u001f\\t?q=<&>\\\"'\\/"
              "\\\\\\u0001\x7f\\u00e9\\u20ac\\ud83d\\ude00\\u001f\\t\",\"content "
              "length\":0,\"user\":\"u<&>\\\"'\\/"
              "\\\\\\u0001\x7f\\u00e9\\u20ac\\ud83d\\ude00\\u001f\\t\",\"script\":\"\\/tmp\\/stx\\/"
              "s<&>\\\"'_\\\\\\u0001\x7f\\u00e9\\u20ac\\ud83d\\ude00\\u001f\\t.php\",\"last "
              "request cpu\":0.00,\"last request memory\":2097152}"),
      std::string::npos);
}

TEST_F(StatusEscapeTest, HtmlRowAsPhpFpmWritesIt) {
  // The cut method is invalid UTF-8, so it comes out empty.
  EXPECT_NE(
      body(servedOne(kMarkup, 57, 51, 40), StatusFormat::Html)
          .find(
              "<tr><td>11493</td><td>Idle</td><td>22/Nov/2026:21:17:38 "
              "+0000</td><td>57</td><td>51</td><td>40</td><td></td><td>/p&lt;&amp;&gt;&quot;'/"
              "\\\xef\xbf\xbd\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\x09?q=&lt;&amp;&"
              "gt;&quot;'/\\\xef\xbf\xbd\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\x09</"
              "td><td>0</td><td>u&lt;&amp;&gt;&quot;'/"
              "\\\xef\xbf\xbd\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\x09</td><td>/tmp/"
              "stx/"
              "s&lt;&amp;&gt;&quot;'_"
              "\\\xef\xbf\xbd\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\x09.php</"
              "td><td>0.00</td><td>2097152</td></tr>"),
      std::string::npos);
}

TEST_F(StatusEscapeTest, XmlRowAsPhpFpmWritesIt) {
  EXPECT_NE(
      body(servedOne(kMarkup, 1005, 60, 1710), StatusFormat::Xml)
          .find(
              "<process><pid>11493</pid><state>Idle</state><start-time>1795382258</"
              "start-time><start-since>1005</start-since><requests>60</"
              "requests><request-duration>1710</request-duration><request-method></"
              "request-method><request-uri>/p&lt;&amp;&gt;&quot;'/"
              "\\\xef\xbf\xbd\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\x09?q=&lt;&amp;&"
              "gt;&quot;'/\\\xef\xbf\xbd\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\x09</"
              "request-uri><content-length>0</content-length><user>u&lt;&amp;&gt;&quot;'/"
              "\\\xef\xbf\xbd\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\x09</"
              "user><script>/tmp/stx/"
              "s&lt;&amp;&gt;&quot;'_"
              "\\\xef\xbf\xbd\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\x09.php</"
              "script><last-request-cpu>0.00</last-request-cpu><last-request-memory>2097152</"
              "last-request-memory></process>"),
      std::string::npos);
}

TEST_F(StatusEscapeTest, InvalidUtf8IsDroppedFromJson) {
  EXPECT_NE(body(servedOne(kInvalid, 58, 53, 57), StatusFormat::Json)
                .find("{\"pid\":11493,\"state\":\"Idle\",\"start time\":1795382258,\"start "
                      "since\":58,\"requests\":53,\"request duration\":57,\"request "
                      "method\":\"GEok<\",\"request uri\":\"\\/pok<?q=ok<\",\"content "
                      "length\":0,\"user\":\"uok<\",\"script\":\"\\/tmp\\/stx\\/sok<.php\",\"last "
                      "request cpu\":0.00,\"last request memory\":2097152}"),
            std::string::npos);
}

TEST_F(StatusEscapeTest, InvalidUtf8EmptiesHtmlFieldsButKeepsTheQuestionMark) {
  EXPECT_NE(body(servedOne(kInvalid, 58, 55, 42), StatusFormat::Html)
                .find("<tr><td>11493</td><td>Idle</td><td>22/Nov/2026:21:17:38 "
                      "+0000</td><td>58</td><td>55</td><td>42</td><td></td><td>?</td><td>0</"
                      "td><td></td><td></td><td>0.00</td><td>2097152</td></tr>"),
            std::string::npos);
}

TEST_F(StatusEscapeTest, TextIsRaw) {
  std::string text = body(servedOne(kMarkup, 57, 42, 42), StatusFormat::Text);
  EXPECT_NE(text.find("request URI:          /p" + kMarkup + "?q=" + kMarkup + "\n"),
            std::string::npos);
  EXPECT_NE(text.find("user:                 u" + kMarkup + "\n"), std::string::npos);
}

// PHP-FPM prints the pool name as it is in every format.
TEST_F(StatusEscapeTest, PoolNameIsNeverEscaped) {
  status::PoolStatus status;
  status.pool = "w<&>x\xc3\xa9";
  status.process_manager = "ondemand";
  for (status::StatusFormat format : {StatusFormat::Html, StatusFormat::Xml, StatusFormat::Json}) {
    EXPECT_NE(renderStatus(status, {format, false}, {}).body.find(status.pool), std::string::npos);
  }
  EXPECT_NE(renderStatus(status, {StatusFormat::OpenMetrics, false}, {})
                .body.find("# HELP phpfpm_up Could pool w<&>x\xc3\xa9 using a ondemand PM on "
                           "PHP-FPM be reached?\n"),
            std::string::npos);
}

TEST(StatusEscapeVectorsTest, MatchPhp82) {
  struct Vector {
    std::string input, json, utf8_markup, latin1_markup;
  };
  const Vector vectors[] = {
      {"\xe2\x82"
       "A",
       "A", "",
       "\xe2\x82"
       "A"},
      {"\xe2\xc0\x80"
       "A",
       "A", "",
       "\xe2\xc0\x80"
       "A"},
      {"\xc3", "", "", "\xc3"},
      {"\xc3"
       "A",
       "A", "",
       "\xc3"
       "A"},
      {"\xc3\xc3\xa9", "\\u00e9", "", "\xc3\xc3\xa9"},
      {"\x80\xbf"
       "A",
       "A", "",
       "\x80\xbf"
       "A"},
      {"\xc0\xaf"
       "A",
       "A", "",
       "\xc0\xaf"
       "A"},
      {"\xed\xa0\x80"
       "A",
       "A", "",
       "\xed\xa0\x80"
       "A"},
      {"\xf0\x9f\x98"
       "A",
       "A", "",
       "\xf0\x9f\x98"
       "A"},
      {"\xf0\x9f\x98", "", "", "\xf0\x9f\x98"},
      {"\xf4\x90\x80\x80"
       "A",
       "A", "",
       "\xf4\x90\x80\x80"
       "A"},
      {"\xf0\x80\x80\x80"
       "A",
       "A", "",
       "\xf0\x80\x80\x80"
       "A"},
      {"\xf0\x9f"
       "A\x80",
       "A", "",
       "\xf0\x9f"
       "A\x80"},
      {"\xf5\x80", "", "", "\xf5\x80"},
      {"\xef\xbf\xbe\xef\xbf\xbf\xee\x80\x80", "\\ufffe\\uffff\\ue000",
       "\xef\xbf\xbd\xef\xbf\xbd\xee\x80\x80", "\xef\xbf\xbe\xef\xbf\xbf\xee\x80\x80"},
      // No NUL: the scoreboard keeps C strings.
      {"\x08\x0c\n\r\x0b\x7f", "\\b\\f\\n\\r\\u000b\x7f",
       "\xef\xbf\xbd\xef\xbf\xbd\n\r\xef\xbf\xbd\x7f", "&#xFFFD;&#xFFFD;\n\r&#xFFFD;\x7f"},
      {"a/b\"c\\d", "a\\/b\\\"c\\\\d", "a/b&quot;c\\d", "a/b&quot;c\\d"},
      {"&amp;", "&amp;", "&amp;amp;", "&amp;amp;"},
  };
  for (const Vector& v : vectors) {
    EXPECT_EQ(render::jsonEscape(v.input), v.json) << testing::PrintToString(v.input);
    EXPECT_EQ(render::markupEscape(v.input, true), v.utf8_markup)
        << testing::PrintToString(v.input);
    EXPECT_EQ(render::markupEscape(v.input, false), v.latin1_markup)
        << testing::PrintToString(v.input);
  }
}

TEST(StatusEscapeVectorsTest, Utf8Charsets) {
  EXPECT_TRUE(render::isUtf8Charset("UTF-8"));
  EXPECT_TRUE(render::isUtf8Charset("utf8"));
  EXPECT_FALSE(render::isUtf8Charset("ISO-8859-1"));
  EXPECT_FALSE(render::isUtf8Charset(""));
}

// php-fpm8.2 -d default_charset=ISO-8859-1: bytes pass, controls become "&#xFFFD;".
TEST_F(StatusEscapeTest, SingleByteCharset) {
  status::AnswerOptions options;
  options.default_charset = "ISO-8859-1";
  status::PoolStatus status;
  status.procs = {servedOne(kInvalid, 0, 7, 230)};
  std::string html = renderStatus(status, {StatusFormat::Html, true}, options).body;
  EXPECT_NE(html.find("<td>GEok\xff&lt;</td><td>/pok\xff&lt;?q=ok\xff&lt;</td><td>0</td>"
                      "<td>uok\xff&lt;</td><td>/tmp/stx/sok\xff&lt;.php</td>"),
            std::string::npos);
}

}  // namespace
}  // namespace fpmd::status
