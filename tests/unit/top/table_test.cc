#include <gtest/gtest.h>

#include "top/render.h"
#include "top/table.h"

namespace fpmd::top {
namespace {

TEST(StatusCliTable, ColumnsAsWideAsTheirWidestCell) {
  std::vector<top::TableColumn> columns = {{"PID", true}, {"STATE"}, {"URI"}};
  auto lines =
      top::renderTable(columns, {{"7", "Idle", "/"}, {"12345", "Running", "/x.php"}}, 0, true);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0], "  PID  STATE    URI");
  EXPECT_EQ(lines[1], "    7  Idle     /");
  EXPECT_EQ(lines[2], "12345  Running  /x.php");
}

TEST(StatusCliTable, WidthCountsCodePoints) {
  EXPECT_EQ(top::displayWidth("héllo"), 5U);
  EXPECT_EQ(top::displayWidth("▁▂▃"), 3U);
  auto lines = top::renderTable({{"A"}, {"B"}}, {{"é", "x"}, {"ab", "y"}}, 0, true);
  EXPECT_EQ(lines[1], "é   x");
  EXPECT_EQ(lines[2], "ab  y");
}

TEST(StatusCliTable, ShrinksLongColumnsToFit) {
  std::vector<top::TableColumn> columns = {
      {"PID", true}, {"URI", false, true}, {"SCRIPT", false, true, true}};
  std::string uri = "/a/very/long/uri/that/goes/on/and/on?with=query";
  std::string script = "/srv/www/site/public/index.php";
  auto lines = top::renderTable(columns, {{"1", uri, script}}, 40, false);
  for (const std::string& line : lines) EXPECT_LE(top::displayWidth(line), 40U) << line;
  EXPECT_EQ(lines[1].substr(0, 6), "  1  /");  // a URI keeps its start
  EXPECT_EQ(lines[1].back(), 'p');             // a path keeps its end: "~…index.php"
  EXPECT_NE(lines[1].find('~'), std::string::npos);
}

TEST(StatusCliTable, ShrinksNoFurtherThanEightColumns) {
  auto lines = top::renderTable({{"URI", false, true}}, {{"/0123456789abcdef"}}, 3, false);
  EXPECT_EQ(lines[1], "/012345~");
}

TEST(StatusCliTable, FitText) {
  EXPECT_EQ(top::fitText("abcdef", 6, false, true), "abcdef");
  EXPECT_EQ(top::fitText("abcdef", 4, false, true), "abc…");
  EXPECT_EQ(top::fitText("abcdef", 4, true, false), "~def");
  EXPECT_EQ(top::fitText("ééééé", 3, false, true), "éé…");
  EXPECT_EQ(top::fitText("abc", 0, false, true), "");
}

TEST(StatusCliTable, ControlCharactersNeverReachTheTerminal) {
  EXPECT_EQ(top::printable("/x\x1b[2J\r\n\x7f"), "/x?[2J???");
  EXPECT_EQ(top::printable("\xc2\x9b"
                           "31m é"),
            "?31m é");  // U+009B is CSI on some terminals
}

TEST(StatusCliTable, Units) {
  EXPECT_EQ(top::formatDuration(850), "850us");
  EXPECT_EQ(top::formatDuration(12345), "12.3ms");
  EXPECT_EQ(top::formatDuration(1500000), "1.50s");
  EXPECT_EQ(top::formatDuration(125000000), "2m05s");
  EXPECT_EQ(top::formatBytes(512), "512B");
  EXPECT_EQ(top::formatBytes(1536), "1.5KiB");
  EXPECT_EQ(top::formatBytes(2097152), "2.0MiB");
  EXPECT_EQ(top::formatBytes(int64_t{3} << 30), "3.00GiB");
  EXPECT_EQ(top::formatUptime(45), "45s");
  EXPECT_EQ(top::formatUptime(723), "12m03s");
  EXPECT_EQ(top::formatUptime(3 * 3600 + 4 * 60), "3h04m");
  EXPECT_EQ(top::formatUptime(2 * 86400 + 3 * 3600), "2d03h");
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
  auto lines = top::renderWorkers(samplePool(), 0, true);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_NE(lines[0].find("PID"), std::string::npos);
  EXPECT_EQ(lines[0].find("RSS"), std::string::npos);
  EXPECT_EQ(lines[0].find("PSS"), std::string::npos);
  EXPECT_NE(lines[1].find("102"), std::string::npos);
  EXPECT_NE(lines[1].find("2.5ms"), std::string::npos);
  EXPECT_NE(lines[2].find("101"), std::string::npos);
}

TEST(StatusCliRender, RssAndPssColumnsWhenSent) {
  top::StatusPool pool = samplePool();
  pool.workers[0].rss = 8 << 20;
  pool.workers[0].pss = 3 << 20;
  auto lines = top::renderWorkers(pool, 0, true);
  EXPECT_NE(lines[0].find("RSS"), std::string::npos);
  EXPECT_NE(lines[0].find("PSS"), std::string::npos);
  EXPECT_NE(lines[2].find("8.0MiB"), std::string::npos);
  EXPECT_NE(lines[2].find("3.0MiB"), std::string::npos);
}

TEST(StatusCliRender, FrameShowsPoolChartAndExtensionsWhenPresent) {
  top::StatusSnapshot snapshot;
  snapshot.pools = {samplePool()};
  top::StatusHistory history(10);
  history.record(snapshot);
  top::FrameOptions options;
  options.title = "fpmd status";
  options.utf8 = false;
  std::string frame = top::renderFrame(&snapshot, history, options);
  EXPECT_NE(frame.find("pool www (dynamic)"), std::string::npos) << frame;
  EXPECT_NE(frame.find("1 active, 1 idle, 2 total"), std::string::npos) << frame;
  EXPECT_NE(frame.find("  active "), std::string::npos) << frame;
  EXPECT_EQ(frame.find("p50"), std::string::npos) << frame;
  EXPECT_EQ(frame.find("memory rss"), std::string::npos) << frame;
  EXPECT_EQ(frame.find("queue timeouts"), std::string::npos) << frame;

  snapshot.pools[0].queue_timeouts = 7;
  frame = renderFrame(&snapshot, history, options);
  EXPECT_NE(frame.find("max children reached 0  queue timeouts (503) 7\n"), std::string::npos)
      << frame;
  snapshot.pools[0].p50_us = 1200;
  snapshot.pools[0].p99_us = 45000;
  snapshot.pools[0].pss = 20 << 20;
  frame = renderFrame(&snapshot, history, options);
  EXPECT_NE(frame.find("p50 1.2ms  p95 -  p99 45.0ms"), std::string::npos) << frame;
  EXPECT_NE(frame.find("memory rss -  pss 20.0MiB"), std::string::npos) << frame;
}

TEST(StatusCliRender, FrameShowsTheMemoryGovernorWhenItHasSomethingToSay) {
  top::StatusSnapshot snapshot;
  snapshot.pools = {samplePool()};
  top::StatusPool& pool = snapshot.pools[0];
  // What fpmd sends with no governor configured: zeros and "off".
  pool.max_children = pool.memory_budget = pool.memory_reserve = pool.memory_limit =
      pool.memory_available = pool.worker_footprint = pool.recycled_for_memory = 0;
  pool.memory_guard = "off";
  top::StatusHistory history(10);
  top::FrameOptions options;
  options.utf8 = false;
  std::string frame = top::renderFrame(&snapshot, history, options);
  EXPECT_EQ(frame.find("memory:"), std::string::npos) << frame;

  pool.max_children = 18;
  pool.max_children_auto = true;
  pool.memory_budget = 600 << 20;
  pool.memory_reserve = 300 << 20;
  pool.memory_limit = int64_t{2} << 30;
  pool.memory_available = 712 << 20;
  pool.worker_footprint = 40 << 20;
  pool.memory_guard = "ok";
  pool.recycled_for_memory = 3;
  frame = top::renderFrame(&snapshot, history, options);
  EXPECT_NE(frame.find("\n  memory: guard ok  max children 18 (auto)  budget 600.0MiB  "
                       "reserve 300.0MiB  limit 2.00GiB  available 712.0MiB  footprint 40.0MiB  "
                       "recycled 3\n"),
            std::string::npos)
      << frame;

  // Only the guard's state: worth a line when it is not "off".
  top::StatusPool guarded = samplePool();
  guarded.memory_guard = "pressure";
  snapshot.pools = {guarded};
  frame = top::renderFrame(&snapshot, history, options);
  EXPECT_NE(frame.find("\n  memory: guard pressure\n"), std::string::npos) << frame;
}

TEST(StatusCliRender, FrameFitsTheTerminalAndShowsErrors) {
  top::StatusSnapshot snapshot;
  snapshot.pools = {samplePool()};
  snapshot.pools[0].workers[0].uri = std::string(300, 'u');
  top::StatusHistory history(100);
  for (int i = 0; i < 100; ++i) history.record(snapshot);
  top::FrameOptions options;
  options.title = "title";
  options.error = "cannot connect to /run/x.sock: Connection refused\x1b";
  options.width = 60;
  options.chart_width = 30;
  std::string frame = top::renderFrame(&snapshot, history, options);
  EXPECT_NE(frame.find("error: cannot connect to /run/x.sock"), std::string::npos) << frame;
  EXPECT_EQ(frame.find('\x1b'), std::string::npos);
  size_t start = 0;
  while (start < frame.size()) {
    size_t end = frame.find('\n', start);
    EXPECT_LE(top::displayWidth(frame.substr(start, end - start)), 60U) << frame;
    start = end + 1;
  }
}

TEST(StatusCliRender, FrameBeforeAnyAnswer) {
  top::StatusHistory history(10);
  top::FrameOptions options;
  options.title = "title";
  options.error = "cannot connect";
  EXPECT_EQ(top::renderFrame(nullptr, history, options), "title\nerror: cannot connect\n");
}

}  // namespace
}  // namespace fpmd::top
