#include <gtest/gtest.h>

#include "app/cli.h"

namespace fpmd::app {
namespace {

CommandLine parse(std::vector<std::string> args) {
  args.insert(args.begin(), "fpmd");
  return parseCommandLine(args);
}

TEST(CommandLine, ForegroundRunWithEverything) {
  auto cl = parse({"-F", "-O", "-R", "-n", "-c", "/etc/php.ini", "-d", "memory_limit=64M",
                   "-dopcache.enable=1", "-y", "/tmp/fpm.conf", "-p", "/srv", "-g", "/tmp/pid"});
  EXPECT_EQ(cl.action, CommandLine::Action::Run);
  EXPECT_EQ(cl.daemonize, false);
  EXPECT_TRUE(cl.force_stderr);
  EXPECT_TRUE(cl.allow_root);
  EXPECT_TRUE(cl.no_php_ini);
  EXPECT_EQ(cl.php_ini, "/etc/php.ini");
  EXPECT_EQ(cl.defines, (std::vector<std::string>{"memory_limit=64M", "opcache.enable=1"}));
  EXPECT_EQ(cl.fpm_config, "/tmp/fpm.conf");
  EXPECT_EQ(cl.prefix, "/srv");
  EXPECT_EQ(cl.pid_file, "/tmp/pid");
}

TEST(CommandLine, LongOptions) {
  auto cl = parse(
      {"--fpm-config=/a.conf", "--nodaemonize", "--allow-to-run-as-root", "--php-ini", "/b.ini"});
  EXPECT_EQ(cl.fpm_config, "/a.conf");
  EXPECT_EQ(cl.daemonize, false);
  EXPECT_TRUE(cl.allow_root);
  EXPECT_EQ(cl.php_ini, "/b.ini");
}

TEST(CommandLine, TestLevels) {
  EXPECT_EQ(parse({"-t"}).test_level, 1);
  EXPECT_EQ(parse({"-tt"}).test_level, 2);
  EXPECT_EQ(parse({"-t", "-t"}).action, CommandLine::Action::Test);
}

TEST(CommandLine, InformationalActions) {
  EXPECT_EQ(parse({"-v"}).action, CommandLine::Action::Version);
  EXPECT_EQ(parse({"-m"}).action, CommandLine::Action::Modules);
  EXPECT_EQ(parse({"-i"}).action, CommandLine::Action::Info);
  EXPECT_EQ(parse({"-h"}).action, CommandLine::Action::Help);
  EXPECT_EQ(parse({"-D"}).daemonize, true);
}

TEST(CommandLine, UsageErrorsLikePhpFpm) {
  // PHP-FPM exits 64 on an unknown option, on -? and on any positional argument.
  EXPECT_EQ(parse({"-x"}).action, CommandLine::Action::Usage);
  EXPECT_EQ(parse({"-C"}).action, CommandLine::Action::Usage);
  EXPECT_EQ(parse({"-?"}).action, CommandLine::Action::Usage);
  EXPECT_EQ(parse({"extra"}).action, CommandLine::Action::Usage);
  EXPECT_EQ(parse({"-y"}).action, CommandLine::Action::Usage);
  EXPECT_EQ(parse({"--bogus"}).action, CommandLine::Action::Usage);
}

TEST(CommandLine, CheckSystem) {
  auto cl = parse({"--check-system", "-y", "/tmp/fpm.conf", "-R"});
  EXPECT_EQ(cl.action, CommandLine::Action::CheckSystem);
  EXPECT_FALSE(cl.json);
  EXPECT_EQ(cl.fpm_config, "/tmp/fpm.conf");
  EXPECT_TRUE(cl.allow_root);
  cl = parse({"--fpm-config=/a.conf", "--json", "--check-system"});
  EXPECT_EQ(cl.action, CommandLine::Action::CheckSystem);
  EXPECT_TRUE(cl.json);
  // --json alone means nothing; the long-only options have no short form.
  EXPECT_EQ(parse({"--json"}).action, CommandLine::Action::Usage);
  EXPECT_EQ(parse({"-\x01"}).action, CommandLine::Action::Usage);
  EXPECT_NE(usageText("fpmd").find("--check-system [--json]"), std::string::npos);
}

TEST(CommandLine, DefaultConfigPath) {
  EXPECT_EQ(defaultConfigPath(""), "/etc/php/8.2/fpm/php-fpm.conf");
  EXPECT_EQ(defaultConfigPath("/opt/fpm"), "/opt/fpm/etc/php-fpm.conf");
}

TEST(CommandLine, UsageTextNamesTheProgram) {
  EXPECT_EQ(usageText("fpmd").rfind("Usage: fpmd [-n] [-e] [-h] [-i] [-m] [-v] [-t]", 0), 0U);
}

}  // namespace
}  // namespace fpmd::app
