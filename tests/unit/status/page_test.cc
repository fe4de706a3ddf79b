// The status and ping pages against php-fpm8.2's own bytes. Every expected answer below was
// captured from Debian's php-fpm8.2 (8.2.36) on a temp socket (pm.status_path = /status,
// ping.path = /ping); each test rebuilds the same numbers as a status::PoolStatus.

#include <stdlib.h>
#include <time.h>

#include <gtest/gtest.h>

#include "status/page.h"

#include "unit/status/php_fpm_part.h"
#include "unit/utc_time_zone.h"

namespace fpmd::status {
namespace {

constexpr int64_t kStarted = 1795382258;  // 22/Nov/2026:21:17:38 +0000

/// Renders local times in UTC, as the captures were, and restores TZ afterwards.
class StatusPageTest : public ::testing::Test {
 protected:
 private:
  fpmd::test_support::UtcTimeZone utc_;
};

status::ProcessStatus statusRequest(int64_t pid, std::string state, uint64_t requests,
                                    uint64_t duration_us, std::string query, uint64_t memory) {
  status::ProcessStatus p;
  p.pid = pid;
  p.state = std::move(state);
  p.start_time = kStarted;
  p.start_since = 9;
  p.requests = requests;
  p.request_duration_us = duration_us;
  p.request_method = "GET";
  p.request_uri = "/status";
  p.query_string = std::move(query);
  p.user = "-";
  p.script = "-";
  p.last_request_memory = memory;
  return p;
}

// Pool "www", pm static, two children, one of them serving the status request.
status::PoolStatus wwwPool(uint64_t accepted) {
  status::PoolStatus s;
  s.pool = "www";
  s.process_manager = "static";
  s.start_time = kStarted;
  s.start_since = 9;
  s.accepted_conn = accepted;
  s.idle_processes = 1;
  s.active_processes = 1;
  s.total_processes = 2;
  s.max_active_processes = 1;
  return s;
}

AnswerOptions exposed() {
  AnswerOptions options;
  options.powered_by = "PHP/8.2.36";
  return options;
}

std::string render(const status::PoolStatus& status, std::string_view query,
                   const AnswerOptions& options = exposed()) {
  return test_support::phpFpmPart(
      status::toCgiResponse(renderStatus(status, status::parseStatusQuery(query), options)));
}

TEST(StatusQueryTest, PicksTheFormatInPhpFpmOrder) {
  struct Case {
    std::string_view query;
    StatusFormat format;
    bool full;
  };
  const Case cases[] = {
      {"", StatusFormat::Text, false},
      {"full", StatusFormat::Text, true},
      {"json", StatusFormat::Json, false},
      {"json&full", StatusFormat::Json, true},
      {"full&xml", StatusFormat::Xml, true},
      {"html", StatusFormat::Html, false},
      {"openmetrics&full", StatusFormat::OpenMetrics, true},
      {"xml&json", StatusFormat::Xml, false},
      {"json&xml", StatusFormat::Xml, false},
      {"openmetrics&json", StatusFormat::Json, false},
      {"json&html&xml&openmetrics", StatusFormat::Html, false},
      {"json=0&full=no", StatusFormat::Json, true},  // a key counts whatever its value
      {"%6Ason", StatusFormat::Json, false},         // keys are URL-decoded
      {"json[]=1&full[x]=2", StatusFormat::Json, true},
      {"+json", StatusFormat::Json, false},  // PHP skips leading spaces in names
      {"json%00x", StatusFormat::Json, false},
      {"json[", StatusFormat::Text, false},  // no ']': PHP registers "json_"
      {"JSON&Full", StatusFormat::Text, false},
      {"jsonx&fulll&xjson", StatusFormat::Text, false},
      {"a=json&b=full", StatusFormat::Text, false},
      {"&&json&&", StatusFormat::Json, false},
  };
  for (const Case& c : cases) {
    status::StatusQuery query = status::parseStatusQuery(c.query);
    EXPECT_EQ(query.format, c.format) << c.query;
    EXPECT_EQ(query.full, c.full) << c.query;
  }
}

TEST_F(StatusPageTest, Text) {
  EXPECT_EQ(render(wwwPool(2), ""),
            "X-Powered-By: PHP/8.2.36\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "Content-type: text/plain;charset=UTF-8\r\n"
            "\r\n"
            "pool:                 www\n"
            "process manager:      static\n"
            "start time:           22/Nov/2026:21:17:38 +0000\n"
            "start since:          9\n"
            "accepted conn:        2\n"
            "listen queue:         0\n"
            "max listen queue:     0\n"
            "listen queue len:     0\n"
            "idle processes:       1\n"
            "active processes:     1\n"
            "total processes:      2\n"
            "max active processes: 1\n"
            "max children reached: 0\n"
            "slow requests:        0\n");
}

// A TCP pool (listen queue len), a Running child and an Idle one whose last request used CPU,
// sent a body and ran a script; expose_php off, so no X-Powered-By.
status::PoolStatus cpuPool(uint64_t accepted) {
  status::PoolStatus s;
  s.pool = "cpu";
  s.process_manager = "dynamic";
  s.start_time = 1795382795;
  s.start_since = 3;
  s.accepted_conn = accepted;
  s.listen_queue_len = 4096;
  s.idle_processes = 1;
  s.active_processes = 1;
  s.total_processes = 2;
  s.max_active_processes = 1;
  status::ProcessStatus running;
  running.pid = 19343;
  running.state = "Running";
  running.start_time = 1795382795;
  running.start_since = 3;
  running.request_method = "GET";
  running.request_uri = "/status";
  running.user = "-";
  running.script = "-";
  status::ProcessStatus idle = running;
  idle.pid = 19344;
  idle.state = "Idle";
  idle.requests = 2;
  idle.request_duration_us = 300322;
  idle.request_method = "POST";
  idle.request_uri = "/cpu.php";
  idle.query_string = "x=1";
  idle.request_length = 5;
  idle.script = "/tmp/stx2/cpu.php";
  idle.last_request_cpu = 63.2693;
  idle.last_request_memory = 2097152;
  s.procs = {running, idle};
  return s;
}

TEST_F(StatusPageTest, TextFull) {
  status::PoolStatus status = cpuPool(3);
  status.procs[0].requests = 1;
  status.procs[0].request_duration_us = 3185;
  status.procs[0].query_string = "full";
  EXPECT_EQ(render(status, "full", status::AnswerOptions{}),
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "Content-type: text/plain;charset=UTF-8\r\n"
            "\r\n"
            "pool:                 cpu\n"
            "process manager:      dynamic\n"
            "start time:           22/Nov/2026:21:26:35 +0000\n"
            "start since:          3\n"
            "accepted conn:        3\n"
            "listen queue:         0\n"
            "max listen queue:     0\n"
            "listen queue len:     4096\n"
            "idle processes:       1\n"
            "active processes:     1\n"
            "total processes:      2\n"
            "max active processes: 1\n"
            "max children reached: 0\n"
            "slow requests:        0\n"
            "\n"
            "************************\n"
            "pid:                  19343\n"
            "state:                Running\n"
            "start time:           22/Nov/2026:21:26:35 +0000\n"
            "start since:          3\n"
            "requests:             1\n"
            "request duration:     3185\n"
            "request method:       GET\n"
            "request URI:          /status?full\n"
            "content length:       0\n"
            "user:                 -\n"
            "script:               -\n"
            "last request cpu:     0.00\n"
            "last request memory:  0\n"
            "\n"
            "************************\n"
            "pid:                  19344\n"
            "state:                Idle\n"
            "start time:           22/Nov/2026:21:26:35 +0000\n"
            "start since:          3\n"
            "requests:             2\n"
            "request duration:     300322\n"
            "request method:       POST\n"
            "request URI:          /cpu.php?x=1\n"
            "content length:       5\n"
            "user:                 -\n"
            "script:               /tmp/stx2/cpu.php\n"
            "last request cpu:     63.27\n"
            "last request memory:  2097152\n");
}

TEST_F(StatusPageTest, Json) {
  EXPECT_EQ(render(wwwPool(4), "json"),
            "X-Powered-By: PHP/8.2.36\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "Content-Type: application/json\r\n"
            "\r\n"
            "{\"pool\":\"www\",\"process manager\":\"static\",\"start time\":1795382258,\"start "
            "since\":9,\"accepted conn\":4,\"listen queue\":0,\"max listen queue\":0,\"listen "
            "queue len\":0,\"idle processes\":1,\"active processes\":1,\"total processes\":2,\"max "
            "active processes\":1,\"max children reached\":0,\"slow requests\":0}");
}

TEST_F(StatusPageTest, JsonFull) {
  status::PoolStatus status = cpuPool(4);
  status.procs[0].requests = 2;
  status.procs[0].request_duration_us = 313;
  status.procs[0].query_string = "json&full";
  EXPECT_EQ(
      render(status, "json&full", status::AnswerOptions{}),
      "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
      "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
      "Content-Type: application/json\r\n"
      "\r\n"
      "{\"pool\":\"cpu\",\"process manager\":\"dynamic\",\"start time\":1795382795,\"start "
      "since\":3,\"accepted conn\":4,\"listen queue\":0,\"max listen queue\":0,\"listen queue "
      "len\":4096,\"idle processes\":1,\"active processes\":1,\"total processes\":2,\"max active "
      "processes\":1,\"max children reached\":0,\"slow requests\":0, "
      "\"processes\":[{\"pid\":19343,\"state\":\"Running\",\"start time\":1795382795,\"start "
      "since\":3,\"requests\":2,\"request duration\":313,\"request method\":\"GET\",\"request "
      "uri\":\"\\/status?json&full\",\"content length\":0,\"user\":\"-\",\"script\":\"-\",\"last "
      "request cpu\":0.00,\"last request memory\":0},{\"pid\":19344,\"state\":\"Idle\",\"start "
      "time\":1795382795,\"start since\":3,\"requests\":2,\"request duration\":300322,\"request "
      "method\":\"POST\",\"request uri\":\"\\/cpu.php?x=1\",\"content "
      "length\":5,\"user\":\"-\",\"script\":\"\\/tmp\\/stx2\\/cpu.php\",\"last request "
      "cpu\":63.27,\"last request memory\":2097152}]}");
}

TEST_F(StatusPageTest, Xml) {
  EXPECT_EQ(render(wwwPool(6), "xml"),
            "X-Powered-By: PHP/8.2.36\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "Content-type: text/xml;charset=UTF-8\r\n"
            "\r\n"
            "<?xml version=\"1.0\" ?>\n"
            "<status>\n"
            "<pool>www</pool>\n"
            "<process-manager>static</process-manager>\n"
            "<start-time>1795382258</start-time>\n"
            "<start-since>9</start-since>\n"
            "<accepted-conn>6</accepted-conn>\n"
            "<listen-queue>0</listen-queue>\n"
            "<max-listen-queue>0</max-listen-queue>\n"
            "<listen-queue-len>0</listen-queue-len>\n"
            "<idle-processes>1</idle-processes>\n"
            "<active-processes>1</active-processes>\n"
            "<total-processes>2</total-processes>\n"
            "<max-active-processes>1</max-active-processes>\n"
            "<max-children-reached>0</max-children-reached>\n"
            "<slow-requests>0</slow-requests>\n"
            "</status>");
}

TEST_F(StatusPageTest, XmlFull) {
  status::PoolStatus status = wwwPool(7);
  status.procs = {statusRequest(11492, "Running", 3, 134, "xml&full", 0),
                  statusRequest(11493, "Idle", 4, 93, "xml", 2097152)};
  EXPECT_EQ(render(status, "xml&full"),
            "X-Powered-By: PHP/8.2.36\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "Content-type: text/xml;charset=UTF-8\r\n"
            "\r\n"
            "<?xml version=\"1.0\" ?>\n"
            "<status>\n"
            "<pool>www</pool>\n"
            "<process-manager>static</process-manager>\n"
            "<start-time>1795382258</start-time>\n"
            "<start-since>9</start-since>\n"
            "<accepted-conn>7</accepted-conn>\n"
            "<listen-queue>0</listen-queue>\n"
            "<max-listen-queue>0</max-listen-queue>\n"
            "<listen-queue-len>0</listen-queue-len>\n"
            "<idle-processes>1</idle-processes>\n"
            "<active-processes>1</active-processes>\n"
            "<total-processes>2</total-processes>\n"
            "<max-active-processes>1</max-active-processes>\n"
            "<max-children-reached>0</max-children-reached>\n"
            "<slow-requests>0</slow-requests>\n"
            "<processes>\n"
            "<process><pid>11492</pid><state>Running</state><start-time>1795382258</"
            "start-time><start-since>9</start-since><requests>3</requests><request-duration>134</"
            "request-duration><request-method>GET</request-method><request-uri>/"
            "status?xml&amp;full</request-uri><content-length>0</content-length><user>-</"
            "user><script>-</script><last-request-cpu>0.00</"
            "last-request-cpu><last-request-memory>0</last-request-memory></process>\n"
            "<process><pid>11493</pid><state>Idle</state><start-time>1795382258</"
            "start-time><start-since>9</start-since><requests>4</requests><request-duration>93</"
            "request-duration><request-method>GET</request-method><request-uri>/status?xml</"
            "request-uri><content-length>0</content-length><user>-</user><script>-</"
            "script><last-request-cpu>0.00</last-request-cpu><last-request-memory>2097152</"
            "last-request-memory></process>\n"
            "</processes>\n"
            "</status>");
}

TEST_F(StatusPageTest, Html) {
  EXPECT_EQ(render(wwwPool(8), "html"),
            "X-Powered-By: PHP/8.2.36\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "Content-type: text/html;charset=UTF-8\r\n"
            "\r\n"
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
            "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n"
            "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
            "<head><title>PHP-FPM Status Page</title></head>\n"
            "<body>\n"
            "<table>\n"
            "<tr><th>pool</th><td>www</td></tr>\n"
            "<tr><th>process manager</th><td>static</td></tr>\n"
            "<tr><th>start time</th><td>22/Nov/2026:21:17:38 +0000</td></tr>\n"
            "<tr><th>start since</th><td>9</td></tr>\n"
            "<tr><th>accepted conn</th><td>8</td></tr>\n"
            "<tr><th>listen queue</th><td>0</td></tr>\n"
            "<tr><th>max listen queue</th><td>0</td></tr>\n"
            "<tr><th>listen queue len</th><td>0</td></tr>\n"
            "<tr><th>idle processes</th><td>1</td></tr>\n"
            "<tr><th>active processes</th><td>1</td></tr>\n"
            "<tr><th>total processes</th><td>2</td></tr>\n"
            "<tr><th>max active processes</th><td>1</td></tr>\n"
            "<tr><th>max children reached</th><td>0</td></tr>\n"
            "<tr><th>slow requests</th><td>0</td></tr>\n"
            "</table>\n"
            "</body></html>");
}

TEST_F(StatusPageTest, HtmlFull) {
  status::PoolStatus status = wwwPool(9);
  status.procs = {statusRequest(11492, "Idle", 3, 211, "xml&full", 2097152),
                  statusRequest(11493, "Running", 6, 69, "html&full", 0)};
  EXPECT_EQ(
      render(status, "html&full"),
      "X-Powered-By: PHP/8.2.36\r\n"
      "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
      "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
      "Content-type: text/html;charset=UTF-8\r\n"
      "\r\n"
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
      "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n"
      "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
      "<head><title>PHP-FPM Status Page</title></head>\n"
      "<body>\n"
      "<table>\n"
      "<tr><th>pool</th><td>www</td></tr>\n"
      "<tr><th>process manager</th><td>static</td></tr>\n"
      "<tr><th>start time</th><td>22/Nov/2026:21:17:38 +0000</td></tr>\n"
      "<tr><th>start since</th><td>9</td></tr>\n"
      "<tr><th>accepted conn</th><td>9</td></tr>\n"
      "<tr><th>listen queue</th><td>0</td></tr>\n"
      "<tr><th>max listen queue</th><td>0</td></tr>\n"
      "<tr><th>listen queue len</th><td>0</td></tr>\n"
      "<tr><th>idle processes</th><td>1</td></tr>\n"
      "<tr><th>active processes</th><td>1</td></tr>\n"
      "<tr><th>total processes</th><td>2</td></tr>\n"
      "<tr><th>max active processes</th><td>1</td></tr>\n"
      "<tr><th>max children reached</th><td>0</td></tr>\n"
      "<tr><th>slow requests</th><td>0</td></tr>\n"
      "</table>\n"
      "<table border=\"1\">\n"
      "<tr><th>pid</th><th>state</th><th>start time</th><th>start "
      "since</th><th>requests</th><th>request duration</th><th>request method</th><th>request "
      "uri</th><th>content length</th><th>user</th><th>script</th><th>last request "
      "cpu</th><th>last request memory</th></tr>\n"
      "<tr><td>11492</td><td>Idle</td><td>22/Nov/2026:21:17:38 "
      "+0000</td><td>9</td><td>3</td><td>211</td><td>GET</td><td>/status?xml&amp;full</td><td>0</"
      "td><td>-</td><td>-</td><td>0.00</td><td>2097152</td></tr>\n"
      "<tr><td>11493</td><td>Running</td><td>22/Nov/2026:21:17:38 "
      "+0000</td><td>9</td><td>6</td><td>69</td><td>GET</td><td>/status?html&amp;full</td><td>0</"
      "td><td>-</td><td>-</td><td>0.00</td><td>0</td></tr>\n"
      "</table></body></html>");
}

TEST_F(StatusPageTest, OpenMetrics) {
  EXPECT_EQ(
      render(wwwPool(10), "openmetrics"),
      "X-Powered-By: PHP/8.2.36\r\n"
      "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
      "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
      "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"
      "\r\n"
      "# HELP phpfpm_up Could pool www using a static PM on PHP-FPM be reached?\n"
      "# TYPE phpfpm_up gauge\n"
      "phpfpm_up 1\n"
      "# HELP phpfpm_start_since The number of seconds since FPM has started.\n"
      "# TYPE phpfpm_start_since counter\n"
      "phpfpm_start_since 9\n"
      "# HELP phpfpm_accepted_connections The number of requests accepted by the pool.\n"
      "# TYPE phpfpm_accepted_connections counter\n"
      "phpfpm_accepted_connections 10\n"
      "# HELP phpfpm_listen_queue The number of requests in the queue of pending connections.\n"
      "# TYPE phpfpm_listen_queue gauge\n"
      "phpfpm_listen_queue 0\n"
      "# HELP phpfpm_max_listen_queue The maximum number of requests in the queue of pending "
      "connections since FPM has started.\n"
      "# TYPE phpfpm_max_listen_queue counter\n"
      "phpfpm_max_listen_queue 0\n"
      "# TYPE phpfpm_listen_queue_length gauge\n"
      "# HELP phpfpm_listen_queue_length The size of the socket queue of pending connections.\n"
      "phpfpm_listen_queue_length 0\n"
      "# HELP phpfpm_idle_processes The number of idle processes.\n"
      "# TYPE phpfpm_idle_processes gauge\n"
      "phpfpm_idle_processes 1\n"
      "# HELP phpfpm_active_processes The number of active processes.\n"
      "# TYPE phpfpm_active_processes gauge\n"
      "phpfpm_active_processes 1\n"
      "# HELP phpfpm_total_processes The number of idle + active processes.\n"
      "# TYPE phpfpm_total_processes gauge\n"
      "phpfpm_total_processes 2\n"
      "# HELP phpfpm_max_active_processes The maximum number of active processes since FPM has "
      "started.\n"
      "# TYPE phpfpm_max_active_processes counter\n"
      "phpfpm_max_active_processes 1\n"
      "# HELP phpfpm_max_children_reached The number of times, the process limit has been reached, "
      "when pm tries to start more children (works only for pm 'dynamic' and 'ondemand').\n"
      "# TYPE phpfpm_max_children_reached counter\n"
      "phpfpm_max_children_reached 0\n"
      "# HELP phpfpm_slow_requests The number of requests that exceeded your "
      "'request_slowlog_timeout' value.\n"
      "# TYPE phpfpm_slow_requests counter\n"
      "phpfpm_slow_requests 0\n"
      "# EOF\n");
}

TEST_F(StatusPageTest, OpenMetricsPhpFpmPartIgnoresFull) {
  status::PoolStatus status = wwwPool(11);
  status.procs = {statusRequest(11492, "Running", 3, 134, "openmetrics&full", 0)};
  EXPECT_EQ(render(status, "openmetrics&full"), render(status, "openmetrics"));
}

TEST_F(StatusPageTest, HeadSendsPhpsDefaultContentTypeAndNoBody) {
  status::PoolStatus status = wwwPool(14);
  status.procs = {statusRequest(11492, "Running", 3, 134, "full", 0)};
  status::AnswerOptions options = exposed();
  options.head_only = true;
  EXPECT_EQ(render(status, "full", options),
            "X-Powered-By: PHP/8.2.36\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "Content-type: text/html; charset=UTF-8\r\n"
            "\r\n");
}

TEST_F(StatusPageTest, EmptyPoolFullHasNoProcessRows) {
  status::PoolStatus status = wwwPool(1);
  EXPECT_TRUE(
      test_support::phpFpmPart(renderStatus(status, {status::StatusFormat::Json, true}, {}).body)
          .ends_with("\"slow requests\":0, \"processes\":[]}"));
  EXPECT_TRUE(
      test_support::phpFpmPart(renderStatus(status, {status::StatusFormat::Xml, true}, {}).body)
          .ends_with("<slow-requests>0</slow-requests>\n<processes>\n</processes>\n"
                     "</status>"));
}

// php-fpm8.2 started with TZ=Asia/Kolkata and clear_env = no printed this start time; the
// worker's TZ is what counts (with clear_env = yes PHP-FPM's children fall back to
// /etc/localtime).
TEST_F(StatusPageTest, StartTimeFollowsTz) {
  setenv("TZ", "Asia/Kolkata", 1);
  status::PoolStatus status = wwwPool(3);
  status.start_time = 1795382338;
  EXPECT_NE(
      renderStatus(status, {}, {}).body.find("start time:           23/Nov/2026:02:48:58 +0530\n"),
      std::string::npos);
  EXPECT_NE(
      renderStatus(status, {StatusFormat::Json, false}, {}).body.find("\"start time\":1795382338,"),
      std::string::npos);
  setenv("TZ", "America/St_Johns", 1);  // a negative offset with minutes
  EXPECT_NE(renderStatus(status, {StatusFormat::Html, false}, {})
                .body.find("<td>22/Nov/2026:17:48:58 -0330</td>"),
            std::string::npos);
}

TEST(PingTest, AnswersWithTheResponseAsPlainText) {
  EXPECT_EQ(status::toCgiResponse(status::renderPing("pong", exposed())),
            "X-Powered-By: PHP/8.2.36\r\n"
            "Content-type: text/plain;charset=UTF-8\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "\r\n"
            "pong");
}

TEST(PingTest, HeadHasTheSameHeadersAndNoBody) {
  status::AnswerOptions options = exposed();
  options.head_only = true;
  EXPECT_EQ(status::toCgiResponse(status::renderPing("pong", options)),
            "X-Powered-By: PHP/8.2.36\r\n"
            "Content-type: text/plain;charset=UTF-8\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "\r\n");
}

// With default_charset empty (php-fpm8.2 -d default_charset=), PHP keeps PHP-FPM's own
// "Content-Type" spelling and a HEAD answer gets a bare "text/html".
TEST_F(StatusPageTest, WithoutDefaultCharset) {
  status::AnswerOptions options;
  options.default_charset = "";
  status::HttpAnswer ping = renderPing("pong", options);
  ASSERT_EQ(ping.headers.size(), 3u);
  EXPECT_EQ(ping.headers[0],
            std::make_pair(std::string("Content-Type"), std::string("text/plain")));
  status::HttpAnswer json = renderStatus(wwwPool(1), {StatusFormat::Json, false}, options);
  EXPECT_EQ(json.headers.back(),
            std::make_pair(std::string("Content-Type"), std::string("application/json")));
  status::HttpAnswer html = renderStatus(wwwPool(1), {StatusFormat::Html, false}, options);
  EXPECT_EQ(html.headers.back(),
            std::make_pair(std::string("Content-Type"), std::string("text/html")));
  options.head_only = true;
  status::HttpAnswer head = renderStatus(wwwPool(1), {}, options);
  EXPECT_EQ(head.headers.back(),
            std::make_pair(std::string("Content-type"), std::string("text/html")));
}

TEST(StatusErrorTest, IsA500WithPhpFpmsMessage) {
  EXPECT_EQ(status::toCgiResponse(status::renderStatusError({})),
            "Status: 500 Internal Server Error\r\n"
            "Content-type: text/plain;charset=UTF-8\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n"
            "\r\n"
            "Internal error. Please review log file for errors.");
}

}  // namespace
}  // namespace fpmd::status
