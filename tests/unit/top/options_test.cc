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
}

}  // namespace
}  // namespace fpmd::top
