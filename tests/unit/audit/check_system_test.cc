// The --check-system audit against made-up readings: seed 004's 1 GB server, the same
// config on a large host, pm.max_children = auto and budgets, and seed 000's sysctl lines.

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "audit/check_system.h"
#include "audit/render.h"
#include "unit/log_capture.h"

namespace fpmd::audit {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

// Seed 004's /etc/php-fpm.d/www.conf, the pool that starved mysqld on a 1 GB server.
constexpr const char* kSeed004Pool =
    "pm = dynamic\npm.max_children = 50\npm.start_servers = 5\npm.min_spare_servers = 5\n"
    "pm.max_spare_servers = 35\n";

class CheckSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fpmd_check_system.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// `pools` is "[name]\n..." sections; a section without listen gets a unix socket.
  config::Config load(const std::string& pools, const std::string& global = "") {
    std::string path = dir_ + "/php-fpm.conf";
    std::ofstream(path) << "[global]\nerror_log = " << dir_ << "/e.log\n"
                        << global << "\n"
                        << pools;
    config::LoadOptions options;
    options.path = path;
    options.allow_root = true;
    options.running_as_root = true;
    testing::LogCapture quiet;  // load()'s NOTICEs about defaulted settings
    Result<config::Config> config = config::load(options);
    EXPECT_TRUE(config.ok()) << config.error();
    return config.ok() ? *config : config::Config{};
  }

  std::string pool(const std::string& name, const std::string& lines) {
    return "[" + name + "]\nlisten = " + dir_ + "/" + name + ".sock\n" + lines + "\n";
  }

  /// A healthy modern host with `memory` bytes and no cgroup limit.
  static Readings host(uint64_t memory) {
    Readings r;
    r.memory = Readings::Memory{memory, os::CgroupVersion::None};
    r.nofile = Readings::FileLimit{65536, 65536};
    r.running_as_root = true;
    r.somaxconn = 4096;
    r.file_max = 9223372036854775807;
    r.local_port_range = std::vector<int64_t>{32768, 60999};
    r.local_reserved_ports = "";
    r.tcp_tw_reuse = 2;
    r.tcp_timestamps = 1;
    r.tcp_fin_timeout = 60;
    return r;  // tcp_tw_recycle absent, as since Linux 4.12
  }

  static const Check& find(const std::vector<Check>& checks, const std::string& name) {
    for (const Check& check : checks) {
      if (check.name == name) return check;
    }
    static const Check none{"(missing)", Level::Fail, "", "", "", ""};
    ADD_FAILURE() << "no check " << name;
    return none;
  }

  std::string dir_;
};

TEST_F(CheckSystemTest, Seed004OnAOneGigabyteServerFails) {
  config::Config config = load(pool("www", kSeed004Pool));
  std::vector<Check> checks = checkSystem(config, host(1 * kGiB));
  const Check& memory = find(checks, "memory");
  EXPECT_EQ(memory.level, Level::Fail);
  EXPECT_EQ(memory.message,
            "pools may take 3200 MiB (www: 50 × 64 MiB) but 922 MiB is available "
            "(1024 MiB limit - 102 MiB reserve)");
  EXPECT_EQ(memory.fix,
            "set pm.max_children = 14, or pm.max_children = auto, or pm.max_pool_memory = 900M");
  EXPECT_EQ(memory.found,
            "3200 MiB for the pools; limit 1024 MiB (host MemTotal, no cgroup limit)");
  EXPECT_EQ(memory.needed, "at most 922 MiB, better under 737 MiB (80%)");
  EXPECT_EQ(exitCode(checks), 2);
}

TEST_F(CheckSystemTest, TheFixFitsTheOneGigabyteServer) {
  config::Config config = load(pool("www", "pm = static\npm.max_children = 14"));
  const Check memory = find(checkSystem(config, host(1 * kGiB)), "memory");
  // 896 of 922 MiB: it fits, with little room.
  EXPECT_EQ(memory.level, Level::Warn);
  EXPECT_NE(memory.message.find("97% of the 922 MiB available"), std::string::npos)
      << memory.message;
  EXPECT_EQ(memory.fix,
            "set pm.max_children = 11, or pm.max_children = auto, or pm.max_pool_memory = 700M");
}

TEST_F(CheckSystemTest, Seed004OnALargeHostIsOk) {
  config::Config config = load(pool("www", kSeed004Pool));
  std::vector<Check> checks = checkSystem(config, host(24 * kGiB));
  const Check& memory = find(checks, "memory");
  EXPECT_EQ(memory.level, Level::Ok);
  EXPECT_EQ(memory.fix, "");
  EXPECT_EQ(memory.message,
            "pools may take 3200 MiB (www: 50 × 64 MiB) of the 22118 MiB available "
            "(24576 MiB limit - 2458 MiB reserve)");
  EXPECT_EQ(exitCode(checks), 0);
  for (const Check& check : checks) EXPECT_EQ(check.level, Level::Ok) << check.name;
}

TEST_F(CheckSystemTest, AutoPoolsAreOkByConstruction) {
  config::Config config = load(pool("www", "pm = static\npm.max_children = auto"));
  const Check memory = find(checkSystem(config, host(1 * kGiB)), "memory");
  EXPECT_EQ(memory.level, Level::Ok);
  EXPECT_EQ(memory.message,
            "922 MiB available (1024 MiB limit - 102 MiB reserve); www: auto: sized from memory "
            "at run time");
}

TEST_F(CheckSystemTest, AutoPoolsAreLeftOutOfTheSum) {
  config::Config config =
      load(pool("www", kSeed004Pool) + pool("api", "pm = static\npm.max_children = auto"));
  const Check memory = find(checkSystem(config, host(1 * kGiB)), "memory");
  EXPECT_EQ(memory.level, Level::Fail);
  EXPECT_EQ(memory.message,
            "pools may take 3200 MiB (www: 50 × 64 MiB) but 922 MiB is available "
            "(1024 MiB limit - 102 MiB reserve); api: auto: sized from memory at run time");
}

TEST_F(CheckSystemTest, ABudgetCountsWhenItIsLess) {
  config::Config config =
      load(pool("www", std::string(kSeed004Pool) + "pm.max_pool_memory = 700M\n") +
           pool("api", "pm = static\npm.max_children = 2\npm.max_pool_memory = 1G\n"));
  const Check memory = find(checkSystem(config, host(1 * kGiB)), "memory");
  // www: min(700 MiB, 3200 MiB); api: min(1 GiB, 128 MiB): 828 of 922 MiB.
  EXPECT_EQ(memory.found, "828 MiB for the pools; limit 1024 MiB (host MemTotal, no cgroup limit)");
  EXPECT_EQ(memory.level, Level::Warn);
  EXPECT_NE(memory.message.find("www: pm.max_pool_memory 700 MiB, under 50 × 64 MiB, api: 2 × 64 "
                                "MiB"),
            std::string::npos)
      << memory.message;
  EXPECT_EQ(memory.fix,
            "[www] set pm.max_pool_memory = 600M, or pm.max_children = auto; [api] set "
            "pm.max_children = 1, or pm.max_children = auto, or pm.max_pool_memory = 100M");
}

TEST_F(CheckSystemTest, MaxMemoryIsTheWorkerSize) {
  config::Config config =
      load(pool("www", "pm = static\npm.max_children = 10\npm.max_memory = 256M"));
  const Check memory = find(checkSystem(config, host(2 * kGiB)), "memory");
  EXPECT_EQ(memory.level, Level::Fail);
  EXPECT_NE(memory.message.find("pools may take 2560 MiB (www: 10 × 256 MiB)"), std::string::npos)
      << memory.message;
}

TEST_F(CheckSystemTest, TheReserveComesFromTheConfigAndTheSourceIsNamed) {
  config::Config config =
      load(pool("www", "pm = static\npm.max_children = 10"), "memory_reserve = 300M\n");
  Readings r = host(1 * kGiB);
  r.memory->source = os::CgroupVersion::V2;
  const Check memory = find(checkSystem(config, r), "memory");
  EXPECT_EQ(memory.found, "640 MiB for the pools; limit 1024 MiB (cgroup v2 memory.max)");
  EXPECT_NE(memory.message.find("(1024 MiB limit - 300 MiB reserve)"), std::string::npos);
  EXPECT_EQ(memory.level, Level::Warn);  // 640 of 724 MiB

  config = load(pool("www", "pm = static\npm.max_children = 10"), "memory_reserve = 0\n");
  r.memory->source = os::CgroupVersion::V1;
  const Check unguarded = find(checkSystem(config, r), "memory");
  EXPECT_EQ(unguarded.level, Level::Ok);
  EXPECT_NE(unguarded.found.find("cgroup v1 memory.limit_in_bytes"), std::string::npos);
  EXPECT_NE(unguarded.message.find("memory_reserve = 0: the host guard is off"), std::string::npos);
}

TEST_F(CheckSystemTest, NoMemoryReadingWarns) {
  config::Config config = load(pool("www", kSeed004Pool));
  Readings r = host(1 * kGiB);
  r.memory.reset();
  const Check memory = find(checkSystem(config, r), "memory");
  EXPECT_EQ(memory.level, Level::Warn);
  EXPECT_EQ(memory.found, "unreadable");
}

TEST_F(CheckSystemTest, ABacklogAboveSomaxconnWarns) {
  config::Config config =
      load(pool("www", "pm = static\npm.max_children = 4\nlisten.backlog = 65535"));
  const Check check = find(checkSystem(config, host(24 * kGiB)), "net.core.somaxconn");
  EXPECT_EQ(check.level, Level::Warn);
  EXPECT_EQ(check.found, "4096");
  EXPECT_EQ(check.needed, "at least 65535: [www] listen.backlog = 65535");
  EXPECT_NE(check.message.find("[www] listen.backlog = 65535 is cut to 4096"), std::string::npos);
  EXPECT_EQ(check.fix.rfind("sysctl -w net.core.somaxconn=65535 && echo 'net.core.somaxconn = "
                            "65535' >> /etc/sysctl.d/60-fpmd.conf",
                            0),
            0u)
      << check.fix;
}

TEST_F(CheckSystemTest, TheDefaultBacklogWantsPhpFpmsOld511) {
  config::Config config = load(pool("www", "pm = static\npm.max_children = 4"));
  Readings r = host(24 * kGiB);
  EXPECT_EQ(find(checkSystem(config, r), "net.core.somaxconn").level, Level::Ok);
  r.somaxconn = 128;  // kernels before 5.4
  const Check check = find(checkSystem(config, r), "net.core.somaxconn");
  EXPECT_EQ(check.level, Level::Warn);
  EXPECT_NE(check.message.find("[www] listen.backlog = -1 gives a queue of only 128"),
            std::string::npos);
}

TEST_F(CheckSystemTest, TwRecycleOnFailsAndItsAbsenceIsOk) {
  config::Config config = load(pool("www", "pm = static\npm.max_children = 4"));
  Readings r = host(24 * kGiB);
  const Check absent = find(checkSystem(config, r), "net.ipv4.tcp_tw_recycle");
  EXPECT_EQ(absent.level, Level::Ok);
  EXPECT_EQ(absent.found, "absent");
  EXPECT_EQ(absent.message.rfind("removed in Linux 4.12, do not set it", 0), 0u);
  r.tcp_tw_recycle = 1;
  std::vector<Check> checks = checkSystem(config, r);
  const Check& on = find(checks, "net.ipv4.tcp_tw_recycle");
  EXPECT_EQ(on.level, Level::Fail);
  EXPECT_NE(on.message.find("behind NAT"), std::string::npos);
  EXPECT_EQ(exitCode(checks), 2);
  r.tcp_tw_recycle = 0;
  EXPECT_EQ(find(checkSystem(config, r), "net.ipv4.tcp_tw_recycle").level, Level::Ok);
}

TEST_F(CheckSystemTest, FinTimeoutOfOneWarns) {
  config::Config config = load(pool("www", "pm = static\npm.max_children = 4"));
  Readings r = host(24 * kGiB);
  r.tcp_fin_timeout = 1;
  std::vector<Check> checks = checkSystem(config, r);
  EXPECT_EQ(find(checks, "net.ipv4.tcp_fin_timeout").level, Level::Warn);
  EXPECT_EQ(exitCode(checks), 1);
}

TEST_F(CheckSystemTest, TcpChecksOnlyForTcpListeners) {
  Readings r = host(24 * kGiB);
  r.local_port_range = std::vector<int64_t>{1024, 65000};  // seed 000's sysctl.conf
  r.tcp_tw_reuse = 0;
  config::Config unix_only = load(pool("www", "pm = static\npm.max_children = 4"));
  std::vector<Check> checks = checkSystem(unix_only, r);
  EXPECT_EQ(find(checks, "net.ipv4.ip_local_port_range").level, Level::Ok);
  EXPECT_EQ(find(checks, "net.ipv4.tcp_tw_reuse").level, Level::Ok);

  config::Config tcp = load("[www]\nlisten = 9000\npm = static\npm.max_children = 4\n");
  checks = checkSystem(tcp, r);
  const Check& range = find(checks, "net.ipv4.ip_local_port_range");
  EXPECT_EQ(range.level, Level::Warn);
  EXPECT_EQ(range.found, "1024-65000 (63977 ports)");
  EXPECT_NE(range.message.find("[www] listen = 9000 inside the range"), std::string::npos);
  EXPECT_EQ(range.fix.rfind("sysctl -w net.ipv4.ip_local_reserved_ports=9000", 0), 0u);
  const Check& reuse = find(checks, "net.ipv4.tcp_tw_reuse");
  EXPECT_EQ(reuse.level, Level::Warn);
  EXPECT_EQ(reuse.fix.rfind("sysctl -w net.ipv4.tcp_tw_reuse=1", 0), 0u);

  r.local_reserved_ports = "8080,9000-9010";
  r.tcp_tw_reuse = 1;
  checks = checkSystem(tcp, r);
  EXPECT_EQ(find(checks, "net.ipv4.ip_local_port_range").level, Level::Ok);
  EXPECT_EQ(find(checks, "net.ipv4.tcp_tw_reuse").level, Level::Ok);

  r.tcp_timestamps = 0;  // seed 000 sets it too: tcp_tw_reuse then does nothing
  EXPECT_EQ(find(checkSystem(tcp, r), "net.ipv4.tcp_tw_reuse").level, Level::Warn);
}

TEST_F(CheckSystemTest, LoopbackListenersAreServedByTwReuseTwo) {
  Readings r = host(24 * kGiB);
  config::Config loopback =
      load("[www]\nlisten = 127.0.0.1:9000\npm = static\npm.max_children = 4\n");
  EXPECT_EQ(find(checkSystem(loopback, r), "net.ipv4.tcp_tw_reuse").level, Level::Ok);
  config::Config any = load("[www]\nlisten = *:9000\npm = static\npm.max_children = 4\n");
  EXPECT_EQ(find(checkSystem(any, r), "net.ipv4.tcp_tw_reuse").level, Level::Warn);
}

TEST_F(CheckSystemTest, ANarrowPortRangeWarns) {
  Readings r = host(24 * kGiB);
  r.local_port_range = std::vector<int64_t>{60000, 61000};
  config::Config tcp = load("[www]\nlisten = 127.0.0.1:9000\npm = static\npm.max_children = 4\n");
  const Check range = find(checkSystem(tcp, r), "net.ipv4.ip_local_port_range");
  EXPECT_EQ(range.level, Level::Warn);
  EXPECT_NE(range.message.find("only 1001 local ports"), std::string::npos);
  EXPECT_EQ(range.fix,
            "sysctl -w \"net.ipv4.ip_local_port_range=32768 60999\" && echo "
            "'net.ipv4.ip_local_port_range = 32768 60999' >> /etc/sysctl.d/60-fpmd.conf");
}

TEST_F(CheckSystemTest, NofileAgainstTheMastersDescriptors) {
  config::Config config = load(pool("www",
                                    "pm = static\npm.max_children = 500\n"
                                    "catch_workers_output = yes"));
  EXPECT_EQ(masterFdsNeeded(config), kMasterFds + kPoolFds + 500 * 3);
  Readings r = host(64 * kGiB);
  r.nofile = Readings::FileLimit{1024, 524288};  // systemd's default for services
  const Check check = find(checkSystem(config, r), "nofile");
  EXPECT_EQ(check.level, Level::Warn);
  EXPECT_EQ(check.found, "soft 1024, hard 524288 (rlimit_files unset)");
  EXPECT_NE(check.fix.find("rlimit_files = 2048"), std::string::npos) << check.fix;

  r.nofile = Readings::FileLimit{16, 16};
  EXPECT_EQ(find(checkSystem(config, r), "nofile").level, Level::Fail);

  config::Config raised = load(pool("www",
                                    "pm = static\npm.max_children = 500\n"
                                    "catch_workers_output = yes"),
                               "rlimit_files = 65535\n");
  r.nofile = Readings::FileLimit{1024, 4096};
  r.running_as_root = true;
  EXPECT_EQ(find(checkSystem(raised, r), "nofile").level, Level::Ok);
  r.running_as_root = false;  // setrlimit() past the hard limit fails: the master keeps 1024
  const Check unprivileged = find(checkSystem(raised, r), "nofile");
  EXPECT_EQ(unprivileged.level, Level::Warn);
  EXPECT_NE(unprivileged.message.find("above the hard limit 4096"), std::string::npos);
}

TEST_F(CheckSystemTest, APoolsRlimitFilesAboveTheHardLimitFailsWithoutRoot) {
  config::Config config =
      load(pool("www", "pm = static\npm.max_children = 4\nrlimit_files = 65535"));
  Readings r = host(24 * kGiB);
  r.nofile = Readings::FileLimit{1024, 4096};
  EXPECT_EQ(find(checkSystem(config, r), "nofile").level, Level::Ok);  // root raises it
  r.running_as_root = false;
  const Check check = find(checkSystem(config, r), "nofile");
  EXPECT_EQ(check.level, Level::Fail);
  EXPECT_NE(check.message.find("[www] rlimit_files = 65535 is above the hard limit 4096"),
            std::string::npos);
  EXPECT_NE(check.fix.find("65535"), std::string::npos);
}

TEST_F(CheckSystemTest, FileMaxAgainstAllProcesses) {
  config::Config config = load(pool("www", "pm = static\npm.max_children = 100"));
  Readings r = host(64 * kGiB);
  r.file_max = 1000;
  const Check check = find(checkSystem(config, r), "fs.file-max");
  EXPECT_EQ(check.level, Level::Warn);
  EXPECT_EQ(check.fix.rfind("sysctl -w fs.file-max=", 0), 0u);
}

TEST_F(CheckSystemTest, UnreadableSysctlsWarn) {
  config::Config config = load(pool("www", "pm = static\npm.max_children = 4"));
  Readings r = host(24 * kGiB);
  r.somaxconn.reset();
  const Check check = find(checkSystem(config, r), "net.core.somaxconn");
  EXPECT_EQ(check.level, Level::Warn);
  EXPECT_EQ(check.found, "unreadable");
}

TEST(CheckSystemExitCode, IsTheWorstLevel) {
  auto with = [](std::vector<Level> levels) {
    std::vector<Check> checks;
    for (Level level : levels) checks.push_back(Check{"x", level, "", "", "", ""});
    return exitCode(checks);
  };
  EXPECT_EQ(with({}), 0);
  EXPECT_EQ(with({Level::Ok, Level::Ok}), 0);
  EXPECT_EQ(with({Level::Ok, Level::Warn, Level::Ok}), 1);
  EXPECT_EQ(with({Level::Warn, Level::Fail, Level::Ok}), 2);
  EXPECT_STREQ(levelName(Level::Warn), "WARN");
}

TEST(CheckSystemRender, JsonHasEveryFieldEscaped) {
  std::vector<Check> checks = {Check{"memory", Level::Fail, "a \"b\"", "c", "set x", "50 × 64 MiB"},
                               Check{"nofile", Level::Ok, "1", "2", "", "ok"}};
  EXPECT_EQ(renderJson(checks, "/etc/fpm.conf"),
            "{\"config\":\"\\/etc\\/fpm.conf\",\"result\":\"FAIL\",\"exit_code\":2,\"checks\":["
            "{\"name\":\"memory\",\"level\":\"FAIL\",\"found\":\"a \\\"b\\\"\",\"needed\":\"c\","
            "\"fix\":\"set x\",\"message\":\"50 \\u00d7 64 MiB\"},"
            "{\"name\":\"nofile\",\"level\":\"OK\",\"found\":\"1\",\"needed\":\"2\",\"fix\":\"\","
            "\"message\":\"ok\"}]}\n");
  std::string text = renderText(checks, "/etc/fpm.conf");
  EXPECT_NE(text.find("FAIL  memory\n      50 × 64 MiB\n      found:  a \"b\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("      fix:    set x\n"), std::string::npos);
  EXPECT_NE(text.find("result: FAIL (1 FAIL, 0 WARN, 1 OK)"), std::string::npos);
}

}  // namespace
}  // namespace fpmd::audit
