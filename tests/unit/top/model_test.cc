#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "top/model.h"

namespace fpmd::top {
namespace {

// php-fpm8.2's `?json&full`, one line, as it sends it (values from a real page).
constexpr char kPhpFpmPage[] =
    R"({"pool":"www","process manager":"static","start time":1700000000,"start since":12,)"
    R"("accepted conn":3,"listen queue":0,"max listen queue":0,"listen queue len":0,)"
    R"("idle processes":1,"active processes":1,"total processes":2,)"
    R"("max active processes":1,"max children reached":0,"slow requests":0, "processes":[)"
    R"({"pid":101,"state":"Idle","start time":1700000000,"start since":12,"requests":2,)"
    R"("request duration":150,"request method":"GET","request uri":"/index.php?a=1",)"
    R"("content length":0,"user":"-","script":"/srv/index.php","last request cpu":12.50,)"
    R"("last request memory":2097152},)"
    R"({"pid":102,"state":"Running","start time":1700000000,"start since":12,"requests":1,)"
    R"("request duration":900,"request method":"GET","request uri":"/status?json&full",)"
    R"("content length":0,"user":"-","script":"-","last request cpu":0.00,)"
    R"("last request memory":0}]})";

TEST(StatusCliModel, ReadsPhpFpmPage) {
  Result<top::StatusSnapshot> snapshot = top::parseStatusJson(kPhpFpmPage);
  ASSERT_TRUE(snapshot) << snapshot.error();
  ASSERT_EQ(snapshot->pools.size(), 1U);
  const StatusPool& pool = snapshot->pools[0];
  EXPECT_EQ(pool.name, "www");
  EXPECT_EQ(pool.process_manager, "static");
  EXPECT_EQ(pool.start_since, 12);
  EXPECT_EQ(pool.accepted_conn, 3);
  EXPECT_EQ(pool.idle, 1);
  EXPECT_EQ(pool.active, 1);
  EXPECT_EQ(pool.total, 2);
  EXPECT_FALSE(pool.p50_us || pool.p95_us || pool.p99_us || pool.rss || pool.pss);
  EXPECT_FALSE(pool.max_children || pool.max_children_auto || pool.memory_budget ||
               pool.memory_reserve || pool.memory_limit || pool.memory_available ||
               pool.worker_footprint || pool.recycled_for_memory);
  EXPECT_EQ(pool.memory_guard, "");
  ASSERT_EQ(pool.workers.size(), 2U);
  const StatusWorker& idle = pool.workers[0];
  EXPECT_EQ(idle.pid, 101);
  EXPECT_TRUE(idle.idle());
  EXPECT_EQ(idle.requests, 2);
  EXPECT_EQ(idle.request_duration_us, 150);
  EXPECT_EQ(idle.uri, "/index.php?a=1");
  EXPECT_EQ(idle.script, "/srv/index.php");
  EXPECT_DOUBLE_EQ(idle.last_cpu, 12.5);
  EXPECT_EQ(idle.last_memory, 2097152);
  EXPECT_FALSE(idle.rss || idle.pss || idle.rss_after_request);
  EXPECT_FALSE(pool.workers[1].idle());
}

TEST(StatusCliModel, ReadsFpmdExtensions) {
  auto snapshot = top::parseStatusJson(
      R"({"pool":"a","request duration p50":100,"request duration p95":2000,)"
      R"("request duration p99":30000,"memory rss":1048576,"memory pss":524288,)"
      R"("processes":[{"pid":7,"state":"Idle","memory rss":4096,"memory pss":2048}]})");
  ASSERT_TRUE(snapshot) << snapshot.error();
  const StatusPool& pool = snapshot->pools[0];
  EXPECT_EQ(pool.p50_us, 100);
  EXPECT_EQ(pool.p95_us, 2000);
  EXPECT_EQ(pool.p99_us, 30000);
  EXPECT_EQ(pool.rss, 1048576);
  EXPECT_EQ(pool.pss, 524288);
  EXPECT_EQ(pool.workers[0].rss, 4096);
  EXPECT_EQ(pool.workers[0].pss, 2048);
}

TEST(StatusCliModel, ReadsTheMemoryGovernor) {
  auto snapshot = top::parseStatusJson(
      R"({"pool":"a","max children":18,"max children auto":1,"memory budget":629145600,)"
      R"("memory reserve":314572800,"memory limit":2147483648,"memory available":746586112,)"
      R"("worker footprint":41943040,"memory guard":"low","recycled for memory":3,)"
      R"("processes":[{"pid":7,"state":"Idle","rss after request":31000000}]})");
  ASSERT_TRUE(snapshot) << snapshot.error();
  const StatusPool& pool = snapshot->pools[0];
  EXPECT_EQ(pool.max_children, 18);
  EXPECT_TRUE(pool.max_children_auto);
  EXPECT_EQ(pool.memory_budget, 629145600);
  EXPECT_EQ(pool.memory_reserve, 314572800);
  EXPECT_EQ(pool.memory_limit, 2147483648);
  EXPECT_EQ(pool.memory_available, 746586112);
  EXPECT_EQ(pool.worker_footprint, 41943040);
  EXPECT_EQ(pool.memory_guard, "low");
  EXPECT_EQ(pool.recycled_for_memory, 3);
  EXPECT_EQ(pool.workers[0].rss_after_request, 31000000);
}

TEST(StatusCliModel, MaxChildrenAutoAsABoolean) {
  auto yes = top::parseStatusJson(R"({"pool":"a","max children auto":true})");
  auto no = top::parseStatusJson(R"({"pool":"a","max children auto":0})");
  ASSERT_TRUE(yes && no);
  EXPECT_TRUE(yes->pools[0].max_children_auto);
  EXPECT_FALSE(no->pools[0].max_children_auto);
}

TEST(StatusCliModel, ReadsAggregatedShape) {
  auto snapshot = top::parseStatusJson(
      R"({"pools":[{"pool":"a","active processes":2,"processes":[{"pid":1},{"pid":2}]},)"
      R"({"pool":"b","listen queue":4}]})");
  ASSERT_TRUE(snapshot) << snapshot.error();
  ASSERT_EQ(snapshot->pools.size(), 2U);
  EXPECT_EQ(snapshot->pools[0].name, "a");
  EXPECT_EQ(snapshot->pools[0].active, 2);
  EXPECT_EQ(snapshot->pools[0].workers.size(), 2U);
  EXPECT_EQ(snapshot->pools[1].name, "b");
  EXPECT_EQ(snapshot->pools[1].listen_queue, 4);
  EXPECT_TRUE(snapshot->pools[1].workers.empty());  // no "full": no processes
}

TEST(StatusCliModel, MissingCountersReadAsZero) {
  auto snapshot = top::parseStatusJson(R"({"pool":"www"})");
  ASSERT_TRUE(snapshot) << snapshot.error();
  EXPECT_EQ(snapshot->pools[0].accepted_conn, 0);
  EXPECT_EQ(snapshot->pools[0].total, 0);
}

TEST(StatusCliModel, NumericStringsAreNumbers) {
  auto snapshot =
      top::parseStatusJson(R"({"pool":"www","accepted conn":"42","idle processes":"x"})");
  ASSERT_TRUE(snapshot) << snapshot.error();
  EXPECT_EQ(snapshot->pools[0].accepted_conn, 42);
  EXPECT_EQ(snapshot->pools[0].idle, 0);
}

TEST(StatusCliModel, RefusesWhatIsNotAStatusPage) {
  EXPECT_FALSE(top::parseStatusJson("pool:                 www\n"));  // the text format
  EXPECT_FALSE(top::parseStatusJson("File not found.\n"));
  EXPECT_FALSE(top::parseStatusJson("[1,2]"));
  EXPECT_FALSE(top::parseStatusJson(R"({"ping":"pong"})"));
  EXPECT_FALSE(top::parseStatusJson(R"({"pools":{"pool":"a"}})"));
  EXPECT_FALSE(top::parseStatusJson(R"({"pools":[1]})"));
}

TEST(StatusCliModel, BytesThatAreNotUtf8DoNotSpoilThePage) {
  // php-fpm copies request URIs byte for byte into its JSON.
  std::string page =
      "{\"pool\":\"www\",\"processes\":[{\"pid\":1,\"request uri\":\"/a\xff\xed\xa0\x80"
      "b\xc3\xa9\"}]}";
  auto snapshot = top::parseStatusJson(page);
  ASSERT_TRUE(snapshot) << snapshot.error();
  EXPECT_EQ(snapshot->pools[0].workers[0].uri, "/a????b\xc3\xa9");
}

TEST(StatusCliModel, JsonLineIsNormalisedToPools) {
  auto one = top::parseStatusJson(R"({"pool":"www","custom key":[1],"processes":[]})");
  ASSERT_TRUE(one) << one.error();
  std::string text = top::statusJsonLine(*one, 1700000000);
  EXPECT_NE(text.find(R"({"pool":"www","custom key":[1])"), std::string::npos)
      << "keys in the server's order: " << text;
  auto line = nlohmann::json::parse(text);
  EXPECT_EQ(line["time"], 1700000000);
  ASSERT_TRUE(line["pools"].is_array());
  ASSERT_EQ(line["pools"].size(), 1U);
  EXPECT_EQ(line["pools"][0]["pool"], "www");
  EXPECT_EQ(line["pools"][0]["custom key"], nlohmann::json::array({1}));  // kept as sent

  auto many = top::parseStatusJson(R"({"pools":[{"pool":"a"},{"pool":"b"}]})");
  ASSERT_TRUE(many) << many.error();
  auto lines = nlohmann::json::parse(top::statusJsonLine(*many, 5));
  EXPECT_EQ(lines["pools"].size(), 2U);
  EXPECT_EQ(lines["pools"][1]["pool"], "b");
}

TEST(StatusCliModel, ErrorLine) {
  auto line = nlohmann::json::parse(top::statusErrorJsonLine("cannot connect to \"/a\xff\n\"", 7));
  EXPECT_EQ(line["time"], 7);
  EXPECT_EQ(line["error"], "cannot connect to \"/a\xef\xbf\xbd\n\"");  // U+FFFD
}

TEST(StatusCliModel, BusyWorkersComeFirstLongestFirst) {
  auto worker = [](int64_t pid, const char* state, int64_t duration_us) {
    top::StatusWorker worker;
    worker.pid = pid;
    worker.state = state;
    worker.request_duration_us = duration_us;
    return worker;
  };
  std::vector<top::StatusWorker> workers = {worker(30, "Idle", 900), worker(20, "Running", 10),
                                            worker(10, "Idle", 5),
                                            worker(40, "Reading headers", 500)};
  std::vector<int64_t> pids;
  for (const StatusWorker& worker : sortedWorkers(workers)) pids.push_back(worker.pid);
  EXPECT_EQ(pids, (std::vector<int64_t>{40, 20, 10, 30}));
}

}  // namespace
}  // namespace fpmd::top
