#include <gtest/gtest.h>

#include "app/cli.h"
#include "top/client.h"

namespace fpmd::top {
namespace {

StatusOptions parse(std::vector<std::string> args) {
  args.insert(args.begin(), {"fpmd", "status"});
  return parseStatusOptions(args);
}

TEST(StatusCliOptions, Subcommands) {
  EXPECT_TRUE(top::isStatusCommand({"fpmd", "status"}));
  EXPECT_TRUE(top::isStatusCommand({"fpmd", "top", "/run/a.sock"}));
  EXPECT_FALSE(top::isStatusCommand({"fpmd", "-t"}));
  EXPECT_FALSE(top::isStatusCommand({"fpmd"}));
  EXPECT_FALSE(top::isStatusCommand({"fpmd", "-y", "status"}));
}

TEST(StatusCliOptions, Defaults) {
  auto options = parse({"/run/a.sock"});
  EXPECT_EQ(options.action, StatusOptions::Action::Run);
  EXPECT_EQ(options.address, "/run/a.sock");
  EXPECT_EQ(options.path, "/status");
  EXPECT_EQ(options.interval_ms, 1000);
  EXPECT_FALSE(options.once);
  EXPECT_FALSE(options.json);
}

TEST(StatusCliOptions, Everything) {
  auto options = parse(
      {"--connect", "127.0.0.1:9000", "--path=/fpm", "--interval", "0.25", "--once", "--json"});
  EXPECT_EQ(options.action, StatusOptions::Action::Run) << options.error;
  EXPECT_EQ(options.address, "127.0.0.1:9000");
  EXPECT_EQ(options.path, "/fpm");
  EXPECT_EQ(options.interval_ms, 250);
  EXPECT_TRUE(options.once);
  EXPECT_TRUE(options.json);
  EXPECT_EQ(parse({"--connect=/a.sock"}).address, "/a.sock");
}

TEST(StatusCliOptions, EachOptionWithSpaceOrEquals) {
  auto options = parse({"--connect=/a.sock", "--path", "/fpm", "--interval=2", "--all"});
  EXPECT_EQ(options.action, StatusOptions::Action::Run) << options.error;
  EXPECT_EQ(options.address, "/a.sock");
  EXPECT_EQ(options.path, "/fpm");
  EXPECT_EQ(options.interval_ms, 2000);
  EXPECT_TRUE(options.all);
  EXPECT_FALSE(options.once);
  EXPECT_FALSE(options.json);
  // Options may come before or after the address; an abbreviation names one option.
  options = parse({"--once", "/a.sock", "--json", "--int", "0.1"});
  EXPECT_EQ(options.action, StatusOptions::Action::Run) << options.error;
  EXPECT_EQ(options.address, "/a.sock");
  EXPECT_TRUE(options.once);
  EXPECT_TRUE(options.json);
  EXPECT_EQ(options.interval_ms, 100);
  // --connect after a positional address replaces it, as before.
  EXPECT_EQ(parse({"/a.sock", "--connect", "/b.sock"}).address, "/b.sock");
  EXPECT_EQ(parse({"--", "-odd"}).address, "-odd");
}

TEST(StatusCliOptions, ParsingTwiceGivesTheSameAnswer) {
  // getopt keeps its place in globals: each parse must start from the beginning.
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(parse({"-h"}).action, StatusOptions::Action::Help);
    auto options = parse({"/a.sock", "--interval", "0.5"});
    EXPECT_EQ(options.interval_ms, 500) << round;
  }
}

TEST(StatusCliOptions, Help) {
  EXPECT_EQ(parse({"--help"}).action, StatusOptions::Action::Help);
  EXPECT_EQ(parse({"-h"}).action, StatusOptions::Action::Help);
  EXPECT_NE(top::statusUsageText("fpmd").find("--interval"), std::string::npos);
  EXPECT_NE(app::usageText("fpmd").find("status, top"), std::string::npos);
}

TEST(StatusCliOptions, UsageErrors) {
  EXPECT_EQ(parse({}).action, StatusOptions::Action::Usage);  // an address is required
  EXPECT_NE(parse({}).error.find("--connect"), std::string::npos);
  EXPECT_EQ(parse({"a", "b"}).action, StatusOptions::Action::Usage);
  EXPECT_EQ(parse({"a", "--bogus"}).action, StatusOptions::Action::Usage);
  EXPECT_EQ(parse({"a", "--path", "status"}).action, StatusOptions::Action::Usage);
  EXPECT_EQ(parse({"a", "--interval", "0"}).action, StatusOptions::Action::Usage);
  EXPECT_EQ(parse({"a", "--interval", "1s"}).action, StatusOptions::Action::Usage);
  EXPECT_EQ(parse({"a", "--interval"}).action, StatusOptions::Action::Usage);
  EXPECT_EQ(parse({"a", "--once=yes"}).action, StatusOptions::Action::Usage);
  EXPECT_EQ(parse({"--connect"}).action, StatusOptions::Action::Usage);
  // --help does not hide an error after it.
  EXPECT_EQ(parse({"--help", "--bogus"}).action, StatusOptions::Action::Usage);
}

TEST(StatusCliOptions, UsageErrorsNameTheOption) {
  EXPECT_EQ(parse({}).error, "no address: give the pool's listen address (--connect ADDRESS)");
  EXPECT_EQ(parse({"a", "b"}).error, "unexpected argument 'b'");
  EXPECT_EQ(parse({"a", "--bogus"}).error, "unknown option '--bogus'");
  EXPECT_EQ(parse({"a", "-x"}).error, "unknown option '-x'");
  EXPECT_EQ(parse({"a", "--once=yes"}).error, "option '--once' takes no value");
  EXPECT_EQ(parse({"a", "--json=1"}).error, "option '--json' takes no value");
  EXPECT_EQ(parse({"a", "--all=1"}).error, "option '--all' takes no value");
  EXPECT_EQ(parse({"--connect"}).error, "option '--connect' needs a value");
  EXPECT_EQ(parse({"a", "--path"}).error, "option '--path' needs a value");
  EXPECT_EQ(parse({"a", "--interval"}).error, "option '--interval' needs a value");
  EXPECT_EQ(parse({"a", "--path=status"}).error, "--path must start with '/': 'status'");
  EXPECT_EQ(parse({"a", "--interval=0.05"}).error,
            "invalid --interval '0.05' (seconds, at least 0.1)");
  EXPECT_EQ(parse({"a", "--interval", "x"}).error,
            "invalid --interval 'x' (seconds, at least 0.1)");
}

}  // namespace
}  // namespace fpmd::top
