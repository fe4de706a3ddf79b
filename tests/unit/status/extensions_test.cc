// fpmd's own status fields (latency percentiles, memory, the memory governor's), its per-process
// OpenMetrics series and the master's aggregated view of several pools.

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "status/page.h"

#include "unit/status/php_fpm_part.h"
#include "unit/utc_time_zone.h"

namespace fpmd::status {
namespace {

status::PoolStatus pool(std::string name, int64_t first_pid) {
  status::PoolStatus s;
  s.pool = std::move(name);
  s.process_manager = "dynamic";
  s.start_time = 1795382258;
  s.accepted_conn = 40;
  s.total_processes = s.idle_processes = 2;
  s.duration_p50_us = 1500;
  s.duration_p95_us = 25000;
  s.duration_p99_us = 480000;
  for (int64_t pid : {first_pid, first_pid + 1}) {
    status::ProcessStatus p;
    p.pid = pid;
    p.state = "Idle";
    p.request_method = p.user = p.script = "-";
    p.memory_rss = 20'000'000 + static_cast<uint64_t>(pid);
    p.memory_pss = 9'000'000 + static_cast<uint64_t>(pid);
    s.memory_rss += p.memory_rss;
    s.memory_pss += p.memory_pss;
    s.procs.push_back(p);
  }
  return s;
}

// fpmd's fields, as `&fpmd` asks for them (JSON and OpenMetrics have them anyway).
std::string body(const status::PoolStatus& status, std::string_view query) {
  std::string with_fpmd = std::string(query) + (query.empty() ? "fpmd" : "&fpmd");
  return renderStatus(status, status::parseStatusQuery(with_fpmd), {}).body;
}

std::string bodyAsAsked(const status::PoolStatus& status, std::string_view query) {
  return renderStatus(status, status::parseStatusQuery(query), {}).body;
}

class StatusExtensionsTest : public ::testing::Test {
 private:
  test_support::UtcTimeZone utc_;
};

// Strict readers parse text, HTML and XML: without `fpmd` they are PHP-FPM's fields only.
TEST_F(StatusExtensionsTest, TextHtmlAndXmlHaveFpmdsFieldsOnlyWhenAsked) {
  const status::PoolStatus s = pool("www", 1200);
  for (std::string_view query : {"", "full", "html", "html&full", "xml", "xml&full"}) {
    SCOPED_TRACE(query);
    std::string plain = bodyAsAsked(s, query);
    EXPECT_EQ(plain.find("memory rss"), std::string::npos);
    EXPECT_EQ(plain.find("memory-rss"), std::string::npos);
    EXPECT_EQ(plain.find("request duration p50"), std::string::npos);
    EXPECT_EQ(plain.find("request-duration-p50"), std::string::npos);
    EXPECT_NE(body(s, query), plain);
  }
  EXPECT_NE(bodyAsAsked(s, "json").find("\"memory rss\""), std::string::npos);
  EXPECT_NE(bodyAsAsked(s, "openmetrics").find("fpmd_"), std::string::npos);
}

TEST_F(StatusExtensionsTest, EveryFormatShowsThePercentilesAndMemoryAfterPhpFpmsFields) {
  status::PoolStatus s = pool("www", 100);
  std::string text = body(s, "full");
  EXPECT_NE(text.find("slow requests:        0\n"
                      "request duration p50: 1500\n"
                      "request duration p95: 25000\n"
                      "request duration p99: 480000\n"
                      "memory rss:           40000201\n"
                      "memory pss:           18000201\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("last request memory:  0\nmemory rss:           20000100\n"
                      "memory pss:           9000100\n"),
            std::string::npos);
  std::string json = body(s, "json&full");
  EXPECT_NE(json.find(R"("slow requests":0,"request duration p50":1500,"request duration p95":)"
                      R"(25000,"request duration p99":480000,"memory rss":40000201,)"
                      R"("memory pss":18000201,"max children":0,)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("memory rss":20000101,"memory pss":9000101,"rss after request":0})"),
            std::string::npos);
  std::string xml = body(s, "xml&full");
  EXPECT_NE(xml.find("<request-duration-p99>480000</request-duration-p99>\n"), std::string::npos);
  EXPECT_NE(xml.find("<memory-pss>9000100</memory-pss>"), std::string::npos);
  std::string html = body(s, "html&full");
  EXPECT_NE(html.find("<tr><th>request duration p95</th><td>25000</td></tr>\n"), std::string::npos);
  EXPECT_NE(
      html.find("<th>last request memory</th><th>memory rss</th><th>memory pss</th><th>rss after "
                "request</th></tr>"),
      std::string::npos);
  EXPECT_NE(html.find("<td>20000101</td><td>9000101</td><td>0</td></tr>"), std::string::npos);
  // Without them, every format is still php-fpm8.2's.
  for (std::string_view query : {"full", "json&full", "xml&full", "html&full", "openmetrics"}) {
    std::string stripped = test_support::phpFpmPart(body(s, query));
    EXPECT_EQ(stripped.find("memory rss"), std::string::npos) << query;
    EXPECT_EQ(stripped.find("fpmd_"), std::string::npos) << query;
  }
}

// The governor's fields set as a running governor would set them: 600 MiB budget, 300 MiB
// reserve, 2 GiB limit, 712 MiB available, 40 MiB per busy worker.
status::PoolStatus governedPool() {
  status::PoolStatus s = pool("www", 100);
  s.max_children = 18;
  s.max_children_auto = true;
  s.memory_budget = 629145600;
  s.memory_reserve = 314572800;
  s.memory_limit = 2147483648;
  s.memory_available = 746586112;
  s.worker_footprint = 41943040;
  s.memory_guard = "low";
  s.recycled_for_memory = 3;
  s.queue_timeouts = 2;
  s.procs[0].rss_after_request = 31'000'000;
  s.procs[1].rss_after_request = 32'000'000;
  return s;
}

TEST_F(StatusExtensionsTest, EveryFormatShowsTheMemoryGovernorAfterTheMemoryFields) {
  status::PoolStatus s = governedPool();
  std::string text = body(s, "full");
  EXPECT_NE(text.find("memory pss:           18000201\n"
                      "max children:         18\n"
                      "max children auto:    1\n"
                      "memory budget:        629145600\n"
                      "memory reserve:       314572800\n"
                      "memory limit:         2147483648\n"
                      "memory available:     746586112\n"
                      "worker footprint:     41943040\n"
                      "memory guard:         low\n"
                      "recycled for memory:  3\n"
                      "queue timeouts:       2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("memory pss:           9000100\nrss after request:    31000000\n"),
            std::string::npos)
      << text;

  std::string json = body(s, "json&full");
  EXPECT_NE(json.find(R"("memory pss":18000201,"max children":18,"max children auto":1,)"
                      R"("memory budget":629145600,"memory reserve":314572800,)"
                      R"("memory limit":2147483648,"memory available":746586112,)"
                      R"("worker footprint":41943040,"memory guard":"low",)"
                      R"("recycled for memory":3,"queue timeouts":2, "processes":[)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("memory pss":9000101,"rss after request":32000000})"), std::string::npos)
      << json;

  std::string xml = body(s, "xml&full");
  EXPECT_NE(xml.find("<memory-pss>18000201</memory-pss>\n"
                     "<max-children>18</max-children>\n"
                     "<max-children-auto>1</max-children-auto>\n"
                     "<memory-budget>629145600</memory-budget>\n"
                     "<memory-reserve>314572800</memory-reserve>\n"
                     "<memory-limit>2147483648</memory-limit>\n"
                     "<memory-available>746586112</memory-available>\n"
                     "<worker-footprint>41943040</worker-footprint>\n"
                     "<memory-guard>low</memory-guard>\n"
                     "<recycled-for-memory>3</recycled-for-memory>\n"
                     "<queue-timeouts>2</queue-timeouts>\n"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<memory-pss>9000100</memory-pss><rss-after-request>31000000</"
                     "rss-after-request></process>"),
            std::string::npos)
      << xml;

  std::string html = body(s, "html&full");
  EXPECT_NE(html.find("<tr><th>memory pss</th><td>18000201</td></tr>\n"
                      "<tr><th>max children</th><td>18</td></tr>\n"
                      "<tr><th>max children auto</th><td>1</td></tr>\n"
                      "<tr><th>memory budget</th><td>629145600</td></tr>\n"
                      "<tr><th>memory reserve</th><td>314572800</td></tr>\n"
                      "<tr><th>memory limit</th><td>2147483648</td></tr>\n"
                      "<tr><th>memory available</th><td>746586112</td></tr>\n"
                      "<tr><th>worker footprint</th><td>41943040</td></tr>\n"
                      "<tr><th>memory guard</th><td>low</td></tr>\n"
                      "<tr><th>recycled for memory</th><td>3</td></tr>\n"
                      "<tr><th>queue timeouts</th><td>2</td></tr>\n"
                      "</table>\n"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<th>memory pss</th><th>rss after request</th></tr>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>9000101</td><td>32000000</td></tr>"), std::string::npos) << html;

  // Stripped of fpmd's fields, every format is still php-fpm8.2's: the governor's go too,
  // and PHP-FPM's "max children reached" stays.
  for (std::string_view query : {"", "full", "json&full", "xml&full", "html&full"}) {
    std::string stripped = test_support::phpFpmPart(body(s, query));
    for (std::string_view key :
         {"children:", "children\"", "children<", "children>", "auto", "budget", "reserve", "limit",
          "available", "footprint", "guard", "recycled", "after"}) {
      EXPECT_EQ(stripped.find(key), std::string::npos) << query << ": " << key << "\n" << stripped;
    }
    std::string_view reached =
        query.starts_with("xml") ? "max-children-reached" : "max children reached";
    EXPECT_NE(stripped.find(reached), std::string::npos) << query;
  }
}

TEST_F(StatusExtensionsTest, AStatusWithoutAGovernorShowsTheGuardOff) {
  status::PoolStatus s = pool("www", 100);
  EXPECT_NE(body(s, "").find("max children:         0\n"
                             "max children auto:    0\n"),
            std::string::npos);
  EXPECT_NE(body(s, "").find("memory guard:         off\n"), std::string::npos);
  EXPECT_NE(body(s, "json").find(R"("memory guard":"off",)"), std::string::npos);
  std::string metrics = body(s, "openmetrics");
  EXPECT_NE(metrics.find("fpmd_pool_memory_guard{pool=\"www\",state=\"off\"} 1\n"),
            std::string::npos)
      << metrics;
}

// Every line of an exposition: a TYPE or HELP line, or a sample of a family declared before
// it; families never interleave; "# EOF" last. A counter's samples end in "_total"
// (PHP-FPM's own page breaks that rule for its phpfpm_ counters: `php_fpm_counters`).
void expectStrictOpenMetrics(const std::string& text, bool php_fpm_counters = false) {
  static const std::regex kMeta(R"(# (TYPE|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? -?[0-9]+(\.[0-9]+)?)");
  ASSERT_TRUE(text.ends_with("# EOF\n"));
  std::map<std::string, std::string> types;
  std::set<std::string> closed;
  std::string current;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line == "# EOF") {
      EXPECT_EQ(start, text.size());
      break;
    }
    std::smatch m;
    if (std::regex_match(line, m, kMeta)) {
      std::string name = m[2];
      if (name != current) {
        EXPECT_EQ(closed.count(name), 0U) << "family declared twice: " << name;
        if (!current.empty()) closed.insert(current);
        current = name;
      }
      if (m[1] == "TYPE") types[name] = m[3];
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, kSample)) << "bad line: " << line;
    std::string sample = m[1];
    std::string family = sample;
    if (types[current] == "counter" && sample.ends_with("_total")) {
      family = sample.substr(0, sample.size() - 6);
    } else if (types[current] == "counter") {
      // PHP-FPM names its counters' samples like gauges; only its own are let through.
      EXPECT_TRUE(php_fpm_counters && sample.starts_with("phpfpm_")) << line;
    }
    EXPECT_EQ(family, current) << "sample outside its family: " << line;
  }
}

TEST_F(StatusExtensionsTest, OpenMetricsAddsLabelledFamiliesAndPerProcessSeriesWithFull) {
  status::PoolStatus s = pool("w\"x", 100);
  std::string plain = body(s, "openmetrics");
  expectStrictOpenMetrics(plain, /*php_fpm_counters=*/true);
  EXPECT_NE(plain.find("fpmd_request_duration_microseconds{pool=\"w\\\"x\",quantile=\"0.99\"} "
                       "480000\n"),
            std::string::npos)
      << plain;
  EXPECT_NE(plain.find("fpmd_memory_pss_bytes{pool=\"w\\\"x\"} 18000201\n"), std::string::npos);
  EXPECT_EQ(plain.find("pid="), std::string::npos);

  std::string full = body(s, "openmetrics&full");
  expectStrictOpenMetrics(full, true);
  for (int pid : {100, 101}) {
    EXPECT_NE(
        full.find(fmt::format("fpmd_process_state{{pool=\"w\\\"x\",pid=\"{}\",state=\"Idle\"}}"
                              " 1\n",
                              pid)),
        std::string::npos);
    EXPECT_NE(
        full.find(fmt::format("fpmd_process_memory_rss_bytes{{pool=\"w\\\"x\",pid=\"{}\"}} {}\n",
                              pid, 20'000'000 + pid)),
        std::string::npos);
  }
}

TEST_F(StatusExtensionsTest, OpenMetricsHasTheMemoryGovernorsFamilies) {
  status::PoolStatus s = governedPool();
  std::string plain = body(s, "openmetrics");
  expectStrictOpenMetrics(plain, /*php_fpm_counters=*/true);
  for (std::string_view sample : {
           "fpmd_pool_max_children{pool=\"www\"} 18\n",
           "fpmd_pool_max_children_auto{pool=\"www\"} 1\n",
           "fpmd_pool_memory_budget_bytes{pool=\"www\"} 629145600\n",
           "fpmd_pool_memory_reserve_bytes{pool=\"www\"} 314572800\n",
           "fpmd_pool_memory_limit_bytes{pool=\"www\"} 2147483648\n",
           "fpmd_pool_memory_available_bytes{pool=\"www\"} 746586112\n",
           "fpmd_pool_worker_footprint_bytes{pool=\"www\"} 41943040\n",
           "# TYPE fpmd_pool_recycled_for_memory counter\n",
           "fpmd_pool_recycled_for_memory_total{pool=\"www\"} 3\n",
           "# TYPE fpmd_pool_memory_guard gauge\n",
           // One sample per state, so a query for one state never loses its series.
           "fpmd_pool_memory_guard{pool=\"www\",state=\"off\"} 0\n"
           "fpmd_pool_memory_guard{pool=\"www\",state=\"ok\"} 0\n"
           "fpmd_pool_memory_guard{pool=\"www\",state=\"low\"} 1\n"
           "fpmd_pool_memory_guard{pool=\"www\",state=\"pressure\"} 0\n",
       }) {
    EXPECT_NE(plain.find(sample), std::string::npos) << sample << plain;
  }
  // Per process, as memory rss: only with full.
  EXPECT_EQ(plain.find("fpmd_process_rss_after_request_bytes"), std::string::npos);
  std::string full = body(s, "openmetrics&full");
  expectStrictOpenMetrics(full, true);
  EXPECT_NE(full.find("# TYPE fpmd_process_rss_after_request_bytes gauge\n"), std::string::npos);
  EXPECT_NE(full.find("fpmd_process_rss_after_request_bytes{pool=\"www\",pid=\"100\"} 31000000\n"
                      "fpmd_process_rss_after_request_bytes{pool=\"www\",pid=\"101\"} 32000000\n"),
            std::string::npos)
      << full;
  // PHP-FPM's part is left as it was.
  EXPECT_EQ(test_support::phpFpmPart(plain).find("fpmd_"), std::string::npos);
}

TEST_F(StatusExtensionsTest, AggregatedViewHasEveryPool) {
  std::vector<status::PoolStatus> pools{pool("www", 100), pool("api", 200)};
  status::StatusQuery query = status::parseStatusQuery("all&json&full");
  EXPECT_TRUE(query.all);
  std::string json = renderStatusAll(pools, query, {}).body;
  EXPECT_TRUE(json.starts_with(R"({"pools":[{"pool":"www",)")) << json;
  EXPECT_NE(json.find(R"(]},{"pool":"api",)"), std::string::npos);
  EXPECT_TRUE(json.ends_with("]}]}"));

  std::string metrics =
      renderStatusAll(pools, status::parseStatusQuery("all&openmetrics&full"), {}).body;
  expectStrictOpenMetrics(metrics);
  EXPECT_NE(metrics.find("phpfpm_accepted_connections_total{pool=\"www\"} 40\n"
                         "phpfpm_accepted_connections_total{pool=\"api\"} 40\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("fpmd_process_requests_total{pool=\"api\",pid=\"201\"} 0\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("fpmd_pool_max_children{pool=\"www\"} 0\n"
                         "fpmd_pool_max_children{pool=\"api\"} 0\n"),
            std::string::npos);

  std::string text = renderStatusAll(pools, status::parseStatusQuery("all"), {}).body;
  EXPECT_NE(text.find("pool:                 www\n"), std::string::npos);
  EXPECT_NE(text.find("pool:                 api\n"), std::string::npos);
  // HTML and XML have no several-pool layout in PHP-FPM: JSON instead.
  status::HttpAnswer html = renderStatusAll(pools, status::parseStatusQuery("all&html"), {});
  EXPECT_EQ(html.headers.back().second, "application/json");
}

}  // namespace
}  // namespace fpmd::status
