// Checks config::load() makes so that -t, start and reload refuse the same files: values the
// master used to parse only when opening sockets (access.format, listen paths), values
// PHP-FPM silently cuts (NUL bytes), lines that could crash the INI parser, and the file and
// line every such error names. Only config::load() is used, so this file builds against any
// revision of the loader.

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "config/config.h"
#include "unit/log_capture.h"

namespace fpmd::config {
namespace {

namespace fs = std::filesystem;

class ConfigChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fpmd_config_checks.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // A valid pool; `extra` lines follow "pm.max_children = 1" (line 6), so the first extra
  // line is line 7.
  std::string pool(const std::string& extra, const std::string& listen = "") {
    return "[global]\nerror_log = " + dir_ +
           "/e.log\n[www]\nlisten = " + (listen.empty() ? dir_ + "/www.sock" : listen) +
           "\npm = static\npm.max_children = 1\n" + extra;
  }

  Result<Config> load(const std::string& path) {
    LoadOptions o;
    o.path = path;
    o.allow_root = true;
    o.running_as_root = true;
    return config::load(o);
  }

  std::vector<std::string> logged() { return log_.lines(); }

  std::string dir_;
  testing::LogCapture log_;
};

TEST_F(ConfigChecksTest, BadAccessFormatsAreRefusedWithFileAndLine) {
  // php-fpm8.2 -t refuses each of these (exit 78) with this WARNING and ERROR.
  const std::pair<std::string, std::string> kCases[] = {
      {"%Z", "Invalid token in the access.format (%Z)"},
      {"%{foo", "missing closing embrace in the access.format"},
      {"%{x}Q", "embrace is not allowed for modifier %Q"},
      {"%{foo}", "missing closing embrace in the access.format"},
  };
  for (const auto& [format, warning] : kCases) {
    SCOPED_TRACE(format);
    log_.clear();
    std::string path = write("af.conf", pool("access.log = " + dir_ + "/access.log\n" +
                                             "access.format = \"" + format + "\"\n"));
    EXPECT_FALSE(load(path).ok());
    EXPECT_EQ(logged(), (std::vector<std::string>{
                            fmt::format("WARNING: [{}:8] {}", path, warning),
                            fmt::format("ERROR: [{}:8] [pool www] wrong format for access.format "
                                        "'{}'",
                                        path, format),
                            "ERROR: failed to post process the configuration",
                        }));
  }
}

TEST_F(ConfigChecksTest, AccessFormatIsCheckedOnlyWithAnAccessLog) {
  // As php-fpm8.2: without access.log the format is never used, and not checked.
  Result<Config> r = load(write("af.conf", pool("access.format = \"%Z\"\n")));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
}

TEST_F(ConfigChecksTest, UnopenableAccessLogIsRefusedWithFileAndLine) {
  std::string path = write("al.conf", pool("access.log = " + dir_ + "/missing/a.log\n"));
  EXPECT_FALSE(load(path).ok());
  std::vector<std::string> lines = logged();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], fmt::format("ERROR: [{}:7] failed to open access log ({}/missing/a.log): No "
                                  "such file or directory (2)",
                                  path, dir_));
}

TEST_F(ConfigChecksTest, DeepNestingIsRefusedNotACrash) {
  std::string deep = std::string(200000, '(') + "1" + std::string(200000, ')');
  std::string path = write("deep.conf", pool("rlimit_files = " + deep + "\n"));
  EXPECT_FALSE(load(path).ok());
  std::vector<std::string> lines = logged();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], fmt::format("PHP:  memory exhausted (values nest deeper than 256 levels) in "
                                  "{} on line 7",
                                  path));

  // Unary operators nest the same way.
  log_.clear();
  EXPECT_FALSE(
      load(write("tilde.conf", pool("rlimit_files = " + std::string(200000, '~') + "1\n"))).ok());
}

TEST_F(ConfigChecksTest, NestingPhpFpmAcceptsStillLoads) {
  // php-fpm8.2 -t accepts 100 nested parentheses.
  std::string nested = std::string(100, '(') + "7" + std::string(100, ')');
  Result<Config> r = load(write("n.conf", pool("rlimit_files = " + nested + "\n")));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->pools[0].rlimit_files, 7);
}

TEST_F(ConfigChecksTest, NulByteInAValueIsRefused) {
  std::string path = write("nul.conf", pool(std::string("ping.path = /pi\0ng\n", 19)));
  EXPECT_FALSE(load(path).ok());
  EXPECT_EQ(logged(), (std::vector<std::string>{
                          fmt::format("ERROR: [{}:7] unable to parse value for entry 'ping.path': "
                                      "the value contains a NUL byte",
                                      path),
                          fmt::format("ERROR: failed to load configuration file '{}'", path),
                      }));
}

TEST_F(ConfigChecksTest, NulByteInAnArrayValueIsRefused) {
  std::string path = write("nul.conf", pool(std::string("env[A] = x\0y\n", 13)));
  EXPECT_FALSE(load(path).ok());
  std::vector<std::string> lines = logged();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], fmt::format("ERROR: [{}:7] unable to parse value for entry 'env[A]': the "
                                  "value contains a NUL byte",
                                  path));
}

TEST_F(ConfigChecksTest, TooLongUnixListenPathIsRefused) {
  // sun_path holds 108 bytes with the NUL: 107 is the longest path.
  std::string long_path = dir_ + "/" + std::string(200, 'a') + ".sock";
  std::string path = write("long.conf", pool("", long_path));
  EXPECT_FALSE(load(path).ok());
  std::vector<std::string> lines = logged();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], fmt::format("ERROR: [{}:4] [pool www] cannot bind to UNIX socket '{}' as "
                                  "path is too long (found length: {}, maximal length: 107)",
                                  path, long_path, long_path.size()));

  log_.clear();
  std::string fits = "/tmp/" + std::string(102, 'b');  // 107 bytes
  Result<Config> r = load(write("fits.conf", pool("", fits)));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
}

TEST_F(ConfigChecksTest, TooLongStatusListenPathIsRefused) {
  std::string long_path = dir_ + "/" + std::string(120, 's') + ".sock";
  std::string path = write("sl.conf", pool("pm.status_listen = " + long_path + "\n"));
  EXPECT_FALSE(load(path).ok());
  std::vector<std::string> lines = logged();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], fmt::format("ERROR: [{}:7] [pool www] cannot bind to UNIX socket '{}' as "
                                  "path is too long (found length: {}, maximal length: 107)",
                                  path, long_path, long_path.size()));
}

TEST_F(ConfigChecksTest, BadListenValuesAreRefusedAtLoad) {
  const std::pair<std::string, std::string> kCases[] = {
      {"pm.status_listen = 127.0.0.1:99999\n",
       "ERROR: [{}:7] [pool www] pm.status_listen: invalid port value '99999'"},
  };
  for (const auto& [extra, expected] : kCases) {
    SCOPED_TRACE(extra);
    log_.clear();
    std::string path = write("l.conf", pool(extra));
    EXPECT_FALSE(load(path).ok());
    std::vector<std::string> lines = logged();
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], fmt::format(fmt::runtime(expected), path));
  }
  log_.clear();
  std::string path = write("p.conf", pool("", "127.0.0.1:99999"));
  EXPECT_FALSE(load(path).ok());
  std::vector<std::string> lines = logged();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], fmt::format("ERROR: [{}:4] [pool www] invalid port value '99999'", path));
}

// PHP-FPM's workers skip what is not an address and keep the rest; fpmd's master says so.
TEST_F(ConfigChecksTest, BadAllowedClientsAreSkippedWithAWarning) {
  std::string path = write("a.conf", pool("listen.allowed_clients = 127.0.0.1,bogus\n"));
  ASSERT_TRUE(load(path).ok());
  std::vector<std::string> lines = logged();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], fmt::format("WARNING: [{}:7] [pool www] Wrong IP address 'bogus' in "
                                  "listen.allowed_clients; ignored",
                                  path));
  log_.clear();
  path = write("b.conf", pool("listen.allowed_clients = bogus\n"));
  ASSERT_TRUE(load(path).ok());
  lines = logged();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], fmt::format("WARNING: [{}:7] [pool www] There are no allowed addresses in "
                                  "listen.allowed_clients: every connection will be dropped",
                                  path));
}

TEST_F(ConfigChecksTest, UnterminatedQuoteNamesFileAndLine) {
  // php-fpm8.2: "... in Unknown on line 2" (the line within the one line it parsed).
  std::string path = write("q.conf", "[global]\npid = \"/tmp/x\n");
  EXPECT_FALSE(load(path).ok());
  EXPECT_EQ(logged(), (std::vector<std::string>{
                          fmt::format("PHP:  syntax error, unexpected end of file, expecting "
                                      "TC_DOLLAR_CURLY or TC_QUOTED_STRING or '\"' in {} on line 2",
                                      path),
                          fmt::format("ERROR: failed to load configuration file '{}'", path),
                      }));
}

TEST_F(ConfigChecksTest, EmptySectionNameNamesFileAndLine) {
  std::string path = write("s.conf", "[global]\nerror_log = " + dir_ + "/e.log\n[]\n");
  EXPECT_FALSE(load(path).ok());
  EXPECT_EQ(logged(),
            (std::vector<std::string>{
                fmt::format("ALERT: [{}:3] [pool ] no listen address have been defined!", path),
                "ERROR: failed to post process the configuration",
            }));
}

TEST_F(ConfigChecksTest, RequestReadAndQueueTimeoutsOutOfRangeAreRefused) {
  for (std::string name : {"request_read_timeout", "request_queue_timeout"}) {
    for (const char* value : {"-1", "25d", "3000000"}) {
      SCOPED_TRACE(name + " = " + value);
      log_.clear();
      std::string path =
          write("r.conf", "[global]\nerror_log = " + dir_ + "/e.log\n[www]\nlisten = " + dir_ +
                              "/a.sock\npm = static\npm.max_children = 1\n" + name + " = " + value +
                              "\n");
      EXPECT_FALSE(load(path).ok());
      ASSERT_FALSE(logged().empty());
      EXPECT_NE(logged()[0].find(fmt::format("[{}:7] [pool www] '{}'", path, name)),
                std::string::npos)
          << logged()[0];
    }
    std::string path =
        write("r.conf", "[global]\nerror_log = " + dir_ + "/e.log\n[www]\nlisten = " + dir_ +
                            "/a.sock\npm = static\npm.max_children = 1\n" + name + " = 1d\n");
    EXPECT_TRUE(load(path).ok());
  }
}

TEST_F(ConfigChecksTest, MaxChildrenOutOfRangeNamesFileAndLine) {
  for (const char* value : {"-1", "99999999999999999999"}) {
    SCOPED_TRACE(value);
    log_.clear();
    std::string path =
        write("m.conf", "[global]\nerror_log = " + dir_ + "/e.log\n[www]\nlisten = " + dir_ +
                            "/a.sock\npm = static\npm.max_children = " + value + "\n");
    EXPECT_FALSE(load(path).ok());
    EXPECT_EQ(
        logged(),
        (std::vector<std::string>{
            fmt::format("ALERT: [{}:6] [pool www] pm.max_children must be a positive value", path),
            "ERROR: failed to post process the configuration",
        }));
  }
}

TEST_F(ConfigChecksTest, EmptyFileNamesTheFile) {
  std::string path = write("empty.conf", "");
  EXPECT_FALSE(load(path).ok());
  EXPECT_EQ(logged(), (std::vector<std::string>{
                          fmt::format("ERROR: [{}:1] No pool defined. at least one pool section "
                                      "must be specified in config file",
                                      path),
                          "ERROR: failed to post process the configuration",
                      }));
}

TEST_F(ConfigChecksTest, DirectoryAsConfigNamesTheFileAndTheError) {
  std::string path = dir_ + "/conf.d";
  fs::create_directory(path);
  EXPECT_FALSE(load(path).ok());
  EXPECT_EQ(logged(), (std::vector<std::string>{
                          fmt::format("ERROR: failed to open configuration file '{}': Is a "
                                      "directory (21)",
                                      path),
                          fmt::format("ERROR: failed to load configuration file '{}'", path),
                      }));
}

TEST_F(ConfigChecksTest, PostProcessErrorsInAnIncludedFileNameThatFile) {
  std::string inc = write(
      "www.conf", "[www]\nlisten = " + dir_ + "/a.sock\npm = static\n" + "pm.max_children = 0\n");
  std::string path =
      write("main.conf", "[global]\nerror_log = " + dir_ + "/e.log\ninclude = " + inc + "\n");
  EXPECT_FALSE(load(path).ok());
  std::vector<std::string> lines = logged();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], fmt::format("ALERT: [{}:4] [pool www] pm.max_children must be a positive "
                                  "value",
                                  inc));
}

}  // namespace
}  // namespace fpmd::config
