#include <gtest/gtest.h>

#include "app/status_cli_render.h"
#include "app/status_cli_table.h"

namespace fpmd::app {
namespace {

TEST(StatusCliTable, ColumnsAsWideAsTheirWidestCell) {
  std::vector<TableColumn> columns = {{"PID", true}, {"STATE"}, {"URI"}};
  auto lines = renderTable(columns, {{"7", "Idle", "/"}, {"12345", "Running", "/x.php"}}, 0, true);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0], "  PID  STATE    URI");
  EXPECT_EQ(lines[1], "    7  Idle     /");
  EXPECT_EQ(lines[2], "12345  Running  /x.php");
}

TEST(StatusCliTable, WidthCountsCodePoints) {
  EXPECT_EQ(displayWidth("héllo"), 5U);
  EXPECT_EQ(displayWidth("▁▂▃"), 3U);
  auto lines = renderTable({{"A"}, {"B"}}, {{"é", "x"}, {"ab", "y"}}, 0, true);
  EXPECT_EQ(lines[1], "é   x");
  EXPECT_EQ(lines[2], "ab  y");
}

TEST(StatusCliTable, ShrinksLongColumnsToFit) {
  std::vector<TableColumn> columns = {
      {"PID", true}, {"URI", false, true}, {"SCRIPT", false, true, true}};
  std::string uri = "/a/very/long/uri/that/goes/on/and/on?with=query";
  std::string script = "/srv/www/site/public/index.php";
  auto lines = renderTable(columns, {{"1", uri, script}}, 40, false);
  for (const std::string& line : lines) EXPECT_LE(displayWidth(line), 40U) << line;
  EXPECT_EQ(lines[1].substr(0, 6), "  1  /");  // a URI keeps its start
  EXPECT_EQ(lines[1].back(), 'p');             // a path keeps its end: "~…index.php"
  EXPECT_NE(lines[1].find('~'), std::string::npos);
}

TEST(StatusCliTable, ShrinksNoFurtherThanEightColumns) {
  auto lines = renderTable({{"URI", false, true}}, {{"/0123456789abcdef"}}, 3, false);
  EXPECT_EQ(lines[1], "/012345~");
}

TEST(StatusCliTable, FitText) {
  EXPECT_EQ(fitText("abcdef", 6, false, true), "abcdef");
  EXPECT_EQ(fitText("abcdef", 4, false, true), "abc…");
  EXPECT_EQ(fitText("abcdef", 4, true, false), "~def");
  EXPECT_EQ(fitText("ééééé", 3, false, true), "éé…");
  EXPECT_EQ(fitText("abc", 0, false, true), "");
}

TEST(StatusCliTable, ControlCharactersNeverReachTheTerminal) {
  EXPECT_EQ(printable("/x\x1b[2J\r\n\x7f"), "/x?[2J???");
  EXPECT_EQ(printable("\xc2\x9b"
                      "31m é"),
            "?31m é");  // U+009B is CSI on some terminals
}

TEST(StatusCliTable, Units) {
  EXPECT_EQ(formatDuration(850), "850us");
  EXPECT_EQ(formatDuration(12345), "12.3ms");
  EXPECT_EQ(formatDuration(1500000), "1.50s");
  EXPECT_EQ(formatDuration(125000000), "2m05s");
  EXPECT_EQ(formatBytes(512), "512B");
  EXPECT_EQ(formatBytes(1536), "1.5KiB");
  EXPECT_EQ(formatBytes(2097152), "2.0MiB");
  EXPECT_EQ(formatBytes(int64_t{3} << 30), "3.00GiB");
  EXPECT_EQ(formatUptime(45), "45s");
  EXPECT_EQ(formatUptime(723), "12m03s");
  EXPECT_EQ(formatUptime(3 * 3600 + 4 * 60), "3h04m");
  EXPECT_EQ(formatUptime(2 * 86400 + 3 * 3600), "2d03h");
}

StatusPool samplePool() {
  StatusPool pool;
  pool.name = "www";
  pool.process_manager = "dynamic";
  pool.active = 1;
  pool.idle = 1;
  pool.total = 2;
  StatusWorker idle;
  idle.pid = 101;
  idle.state = "Idle";
  idle.requests = 5;
  idle.uri = "/index.php";
  idle.script = "/srv/i.php";
  StatusWorker running;
  running.pid = 102;
  running.state = "Running";
  running.requests = 1;
  running.request_duration_us = 2500;
  running.method = "GET";
  running.uri = "/status";
  pool.workers = {idle, running};
  return pool;
}

TEST(StatusCliRender, WorkersTableRunningFirstWithoutFpmdColumns) {
  auto lines = renderWorkers(samplePool(), 0, true);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_NE(lines[0].find("PID"), std::string::npos);
  EXPECT_EQ(lines[0].find("RSS"), std::string::npos);
  EXPECT_EQ(lines[0].find("PSS"), std::string::npos);
  EXPECT_NE(lines[1].find("102"), std::string::npos);
  EXPECT_NE(lines[1].find("2.5ms"), std::string::npos);
  EXPECT_NE(lines[2].find("101"), std::string::npos);
}

TEST(StatusCliRender, RssAndPssColumnsWhenSent) {
  StatusPool pool = samplePool();
  pool.workers[0].rss = 8 << 20;
  pool.workers[0].pss = 3 << 20;
  auto lines = renderWorkers(pool, 0, true);
  EXPECT_NE(lines[0].find("RSS"), std::string::npos);
  EXPECT_NE(lines[0].find("PSS"), std::string::npos);
  EXPECT_NE(lines[2].find("8.0MiB"), std::string::npos);
  EXPECT_NE(lines[2].find("3.0MiB"), std::string::npos);
}

TEST(StatusCliRender, FrameShowsPoolChartAndExtensionsWhenPresent) {
  StatusSnapshot snapshot;
  snapshot.pools = {samplePool()};
  StatusHistory history(10);
  history.record(snapshot);
  FrameOptions options;
  options.title = "fpmd status";
  options.utf8 = false;
  std::string frame = renderFrame(&snapshot, history, options);
  EXPECT_NE(frame.find("pool www (dynamic)"), std::string::npos) << frame;
  EXPECT_NE(frame.find("1 active, 1 idle, 2 total"), std::string::npos) << frame;
  EXPECT_NE(frame.find("  active "), std::string::npos) << frame;
  EXPECT_EQ(frame.find("p50"), std::string::npos) << frame;
  EXPECT_EQ(frame.find("memory rss"), std::string::npos) << frame;

  snapshot.pools[0].p50_us = 1200;
  snapshot.pools[0].p99_us = 45000;
  snapshot.pools[0].pss = 20 << 20;
  frame = renderFrame(&snapshot, history, options);
  EXPECT_NE(frame.find("p50 1.2ms  p95 -  p99 45.0ms"), std::string::npos) << frame;
  EXPECT_NE(frame.find("memory rss -  pss 20.0MiB"), std::string::npos) << frame;
}

TEST(StatusCliRender, FrameFitsTheTerminalAndShowsErrors) {
  StatusSnapshot snapshot;
  snapshot.pools = {samplePool()};
  snapshot.pools[0].workers[0].uri = std::string(300, 'u');
  StatusHistory history(100);
  for (int i = 0; i < 100; ++i) history.record(snapshot);
  FrameOptions options;
  options.title = "title";
  options.error = "cannot connect to /run/x.sock: Connection refused\x1b";
  options.width = 60;
  options.chart_width = 30;
  std::string frame = renderFrame(&snapshot, history, options);
  EXPECT_NE(frame.find("error: cannot connect to /run/x.sock"), std::string::npos) << frame;
  EXPECT_EQ(frame.find('\x1b'), std::string::npos);
  size_t start = 0;
  while (start < frame.size()) {
    size_t end = frame.find('\n', start);
    EXPECT_LE(displayWidth(frame.substr(start, end - start)), 60U) << frame;
    start = end + 1;
  }
}

TEST(StatusCliRender, FrameBeforeAnyAnswer) {
  StatusHistory history(10);
  FrameOptions options;
  options.title = "title";
  options.error = "cannot connect";
  EXPECT_EQ(renderFrame(nullptr, history, options), "title\nerror: cannot connect\n");
}

}  // namespace
}  // namespace fpmd::app
