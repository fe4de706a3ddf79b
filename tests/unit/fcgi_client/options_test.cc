#include "tools/fcgi-client/options.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fpmd::fcgi_client {
namespace {

struct Parsed {
  std::optional<Options> options;
  std::string error;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "fcgi-client");
  Parsed parsed;
  parsed.options = parseArgs(args, parsed.error);
  return parsed;
}

// The error of a command line that must fail; "" when it parsed.
std::string errorOf(std::vector<std::string> args) {
  Parsed parsed = parse(std::move(args));
  return parsed.options ? "" : parsed.error;
}

TEST(FcgiClientOptions, Defaults) {
  Parsed parsed = parse({"/run/a.sock"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  const Options& options = *parsed.options;
  EXPECT_EQ(options.address, "/run/a.sock");
  EXPECT_TRUE(options.params.empty());
  EXPECT_FALSE(options.stdin_file);
  EXPECT_FALSE(options.keep_conn);
  EXPECT_EQ(options.repeat, 1);
  EXPECT_EQ(options.role, 1);
  EXPECT_EQ(options.request_id, 1);
  EXPECT_FALSE(options.get_values);
}

TEST(FcgiClientOptions, EveryOptionWithSpaceOrEquals) {
  for (bool equals : {false, true}) {
    std::vector<std::string> args;
    auto add = [&](const std::string& name, const std::string& value) {
      if (equals) {
        args.push_back(name + "=" + value);
      } else {
        args.push_back(name);
        args.push_back(value);
      }
    };
    add("--param", "A=1");
    add("--stdin", "-");
    add("--repeat", "3");
    add("--role", "0");
    add("--request-id", "65535");
    args.insert(args.end(), {"--keep-conn", "--get-values", "127.0.0.1:9000"});
    Parsed parsed = parse(args);
    ASSERT_TRUE(parsed.options) << parsed.error;
    const Options& options = *parsed.options;
    EXPECT_EQ(options.params, (fastcgi::ParamList{{"A", "1"}}));
    EXPECT_EQ(options.stdin_file, "-");
    EXPECT_EQ(options.repeat, 3);
    EXPECT_EQ(options.role, 0);
    EXPECT_EQ(options.request_id, 65535);
    EXPECT_TRUE(options.keep_conn);
    EXPECT_TRUE(options.get_values);
    EXPECT_EQ(options.address, "127.0.0.1:9000");
  }
}

TEST(FcgiClientOptions, ParamsInOrderShortForm) {
  Parsed parsed = parse({"-p", "A=1", "unix:/a.sock", "-pB=", "--param", "A=x=y"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  EXPECT_EQ(parsed.options->params, (fastcgi::ParamList{{"A", "1"}, {"B", ""}, {"A", "x=y"}}));
  EXPECT_EQ(parsed.options->address, "unix:/a.sock");
}

TEST(FcgiClientOptions, Help) {
  for (std::string flag : {"-h", "--help"}) {
    Parsed parsed = parse({flag});
    EXPECT_FALSE(parsed.options);
    EXPECT_EQ(parsed.error, "");
  }
  EXPECT_NE(std::string(kUsage).find("--get-values"), std::string::npos);
}

TEST(FcgiClientOptions, MissingValues) {
  EXPECT_EQ(errorOf({"a", "-p"}), "option '-p' needs a value");
  for (std::string flag : {"--param", "--stdin", "--repeat", "--role", "--request-id"}) {
    EXPECT_EQ(errorOf({"a", flag}), "option '" + flag + "' needs a value");
  }
}

TEST(FcgiClientOptions, UnknownOptions) {
  EXPECT_EQ(errorOf({"--bogus", "a"}), "unknown option '--bogus'");
  EXPECT_EQ(errorOf({"-k", "a"}), "unknown option '-k'");
  EXPECT_EQ(errorOf({"--keep-conn=1", "a"}), "option '--keep-conn' takes no value");
  EXPECT_EQ(errorOf({"--re", "1", "a"}), "ambiguous option '--re' (--repeat, --request-id)");
}

TEST(FcgiClientOptions, BadValues) {
  EXPECT_EQ(errorOf({"--repeat", "0", "a"}), "--repeat: expected a number from 1 to 65535");
  EXPECT_EQ(errorOf({"--repeat=x", "a"}), "--repeat: expected a number from 1 to 65535");
  EXPECT_EQ(errorOf({"--role", "-1", "a"}), "--role: expected a number from 0 to 65535");
  EXPECT_EQ(errorOf({"--role", "65536", "a"}), "--role: expected a number from 0 to 65535");
  EXPECT_EQ(errorOf({"--request-id", "0", "a"}), "--request-id: expected a number from 1 to 65535");
  EXPECT_EQ(errorOf({"--request-id", "1.5", "a"}),
            "--request-id: expected a number from 1 to 65535");
  EXPECT_EQ(errorOf({"-p", "A", "a"}), "-p: expected NAME=VALUE");
}

TEST(FcgiClientOptions, AddressRequired) {
  EXPECT_EQ(errorOf({}), "no address given");
  EXPECT_EQ(errorOf({"--keep-conn"}), "no address given");
  EXPECT_EQ(errorOf({"a", "b"}), "more than one address given");
  // "-" is an operand, as before; after `--` so is anything.
  EXPECT_EQ(parse({"-"}).options->address, "-");
  EXPECT_EQ(parse({"--", "-odd"}).options->address, "-odd");
}

}  // namespace
}  // namespace fpmd::fcgi_client
