// `fpmd status` reads what fpmd's own status page writes: every field the renderer sends
// under status/field_names.h's spelling comes back with its value.

#include <gtest/gtest.h>

#include "status/page.h"
#include "top/model.h"

namespace fpmd::top {
namespace {

TEST(StatusRoundTrip, TheClientReadsEveryFieldThePageWrites) {
  status::PoolStatus pool;
  pool.pool = "www";
  pool.process_manager = "dynamic";
  pool.start_since = 12;
  pool.accepted_conn = 3;
  pool.listen_queue = 4;
  pool.max_listen_queue = 5;
  pool.listen_queue_len = 6;
  pool.idle_processes = 7;
  pool.active_processes = 8;
  pool.total_processes = 15;
  pool.max_active_processes = 9;
  pool.max_children_reached = 10;
  pool.slow_requests = 11;
  pool.duration_p50_us = 100;
  pool.duration_p95_us = 200;
  pool.duration_p99_us = 300;
  pool.memory_rss = 1 << 20;
  pool.memory_pss = 1 << 19;
  pool.max_children = 18;
  pool.max_children_auto = true;
  pool.memory_budget = 600 << 20;
  pool.memory_reserve = 300 << 20;
  pool.memory_limit = uint64_t{2} << 30;
  pool.memory_available = 712 << 20;
  pool.worker_footprint = 40 << 20;
  pool.memory_guard = "pressure";
  pool.recycled_for_memory = 3;
  pool.queue_timeouts = 4;
  status::ProcessStatus worker;
  worker.pid = 4242;
  worker.state = "Running";
  worker.start_since = 5;
  worker.requests = 17;
  worker.request_duration_us = 900;
  worker.request_method = "POST";
  worker.request_uri = "/index.php";
  worker.request_length = 33;
  worker.user = "alice";
  worker.script = "/srv/index.php";
  worker.last_request_cpu = 12.5;
  worker.last_request_memory = 2 << 20;
  worker.memory_rss = 3 << 20;
  worker.memory_pss = 4 << 20;
  worker.rss_after_request = 5 << 20;
  pool.procs.push_back(worker);

  status::StatusQuery query;
  query.format = status::StatusFormat::Json;
  query.full = true;
  status::HttpAnswer answer = status::renderStatus(pool, query, {});
  Result<StatusSnapshot> read = parseStatusJson(answer.body);
  ASSERT_TRUE(read) << read.error();
  ASSERT_EQ(read->pools.size(), 1U);
  const StatusPool& p = read->pools[0];
  EXPECT_EQ(p.name, "www");
  EXPECT_EQ(p.process_manager, "dynamic");
  EXPECT_EQ(p.start_since, 12);
  EXPECT_EQ(p.accepted_conn, 3);
  EXPECT_EQ(p.listen_queue, 4);
  EXPECT_EQ(p.max_listen_queue, 5);
  EXPECT_EQ(p.listen_queue_len, 6);
  EXPECT_EQ(p.idle, 7);
  EXPECT_EQ(p.active, 8);
  EXPECT_EQ(p.total, 15);
  EXPECT_EQ(p.max_active, 9);
  EXPECT_EQ(p.max_children_reached, 10);
  EXPECT_EQ(p.slow_requests, 11);
  EXPECT_EQ(p.p50_us, 100);
  EXPECT_EQ(p.p95_us, 200);
  EXPECT_EQ(p.p99_us, 300);
  EXPECT_EQ(p.rss, 1 << 20);
  EXPECT_EQ(p.pss, 1 << 19);
  EXPECT_EQ(p.max_children, 18);
  EXPECT_TRUE(p.max_children_auto);
  EXPECT_EQ(p.memory_budget, 600 << 20);
  EXPECT_EQ(p.memory_reserve, 300 << 20);
  EXPECT_EQ(p.memory_limit, int64_t{2} << 30);
  EXPECT_EQ(p.memory_available, 712 << 20);
  EXPECT_EQ(p.worker_footprint, 40 << 20);
  EXPECT_EQ(p.memory_guard, "pressure");
  EXPECT_EQ(p.recycled_for_memory, 3);
  EXPECT_EQ(p.queue_timeouts, 4);
  ASSERT_EQ(p.workers.size(), 1U);
  const StatusWorker& w = p.workers[0];
  EXPECT_EQ(w.pid, 4242);
  EXPECT_EQ(w.state, "Running");
  EXPECT_EQ(w.start_since, 5);
  EXPECT_EQ(w.requests, 17);
  EXPECT_EQ(w.request_duration_us, 900);
  EXPECT_EQ(w.method, "POST");
  EXPECT_EQ(w.uri, "/index.php");
  EXPECT_EQ(w.content_length, 33);
  EXPECT_EQ(w.user, "alice");
  EXPECT_EQ(w.script, "/srv/index.php");
  EXPECT_DOUBLE_EQ(w.last_cpu, 12.5);
  EXPECT_EQ(w.last_memory, 2 << 20);
  EXPECT_EQ(w.rss, 3 << 20);
  EXPECT_EQ(w.pss, 4 << 20);
  EXPECT_EQ(w.rss_after_request, 5 << 20);

  // ?all: the master's document of every pool.
  status::HttpAnswer all = status::renderStatusAll({pool, pool}, query, {});
  Result<StatusSnapshot> both = parseStatusJson(all.body);
  ASSERT_TRUE(both) << both.error();
  EXPECT_EQ(both->pools.size(), 2U);
}

}  // namespace
}  // namespace fpmd::top
