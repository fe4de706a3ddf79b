#include "tools/fcgi-bench/options.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fpmd::bench {
namespace {

namespace fs = std::filesystem;

struct Parsed {
  std::optional<Options> options;
  std::string error;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "fcgi-bench");
  Parsed parsed;
  parsed.options = parseArgs(args, parsed.error);
  return parsed;
}

// The error of a command line that must fail; "" when it parsed.
std::string errorOf(std::vector<std::string> args) {
  Parsed parsed = parse(std::move(args));
  return parsed.options ? "" : parsed.error;
}

std::string param(const Options& options, const std::string& name) {
  for (const auto& [key, value] : options.params) {
    if (key == name) return value;
  }
  return "(none)";
}

TEST(BenchOptions, Defaults) {
  Parsed parsed = parse({"-p", "A=1", "/run/a.sock"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  const Options& options = *parsed.options;
  EXPECT_EQ(options.address, "/run/a.sock");
  EXPECT_EQ(options.connections, 8);
  EXPECT_EQ(options.threads, 1);
  EXPECT_EQ(options.duration_s, 10);
  EXPECT_EQ(options.requests, 0u);
  EXPECT_EQ(options.warmup_s, 1);
  EXPECT_TRUE(options.keep_alive);
  EXPECT_EQ(options.timeout_s, 2);
  EXPECT_FALSE(options.json);
  EXPECT_EQ(options.params, (fastcgi::ParamList{{"A", "1"}}));
  EXPECT_TRUE(options.body.empty());
}

TEST(BenchOptions, ShortForms) {
  Parsed parsed = parse({"-c", "16", "-t", "4", "-d", "2.5", "-n", "100", "-w", "0", "-K", "-p",
                         "A=1", "-m", "PUT", "127.0.0.1:9000"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  const Options& options = *parsed.options;
  EXPECT_EQ(options.connections, 16);
  EXPECT_EQ(options.threads, 4);
  EXPECT_EQ(options.duration_s, 2.5);
  EXPECT_EQ(options.requests, 100u);
  EXPECT_EQ(options.warmup_s, 0);
  EXPECT_FALSE(options.keep_alive);
  EXPECT_EQ(param(options, "REQUEST_METHOD"), "PUT");
  EXPECT_EQ(options.address, "127.0.0.1:9000");
  EXPECT_TRUE(parse({"-K", "-k", "-p", "A=1", "a"}).options->keep_alive);
}

TEST(BenchOptions, LongFormsWithSpaceOrEquals) {
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
    add("--connections", "3");
    add("--threads", "2");
    add("--duration", "1");
    add("--requests", "7");
    add("--warmup", "0.5");
    add("--timeout", "4");
    add("--param", "A=x=y");
    add("--method", "DELETE");
    add("--body-size", "5");
    args.insert(args.end(), {"--no-keep-alive", "--json", "unix:/run/a.sock"});
    Parsed parsed = parse(args);
    ASSERT_TRUE(parsed.options) << parsed.error;
    const Options& options = *parsed.options;
    EXPECT_EQ(options.connections, 3);
    EXPECT_EQ(options.threads, 2);
    EXPECT_EQ(options.duration_s, 1);
    EXPECT_EQ(options.requests, 7u);
    EXPECT_EQ(options.warmup_s, 0.5);
    EXPECT_EQ(options.timeout_s, 4);
    EXPECT_EQ(param(options, "A"), "x=y");
    EXPECT_EQ(param(options, "REQUEST_METHOD"), "DELETE");
    EXPECT_EQ(options.body, "xxxxx");
    EXPECT_EQ(param(options, "CONTENT_LENGTH"), "5");
    EXPECT_FALSE(options.keep_alive);
    EXPECT_TRUE(options.json);
    EXPECT_EQ(options.address, "unix:/run/a.sock");
  }
  EXPECT_TRUE(parse({"--keep-alive", "-p", "A=1", "a"}).options->keep_alive);
}

TEST(BenchOptions, ClustersAndAbbreviations) {
  Parsed parsed = parse({"-Kc4", "-n5", "--conn=6", "-pA=1", "a"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  EXPECT_FALSE(parsed.options->keep_alive);
  EXPECT_EQ(parsed.options->connections, 6);
  EXPECT_EQ(parsed.options->requests, 5u);
  EXPECT_EQ(param(*parsed.options, "A"), "1");
}

// The command line bench/measure.py builds, options after and before the address.
TEST(BenchOptions, TheBenchScriptsCommandLine) {
  Parsed parsed = parse({"--json", "-c", "16", "-w", "0.5", "-s", "/srv/www/hello.php", "--timeout",
                         "30", "-d", "10", "-K", "--body-size", "1024", "127.0.0.1:9000"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  const Options& options = *parsed.options;
  EXPECT_TRUE(options.json);
  EXPECT_EQ(options.connections, 16);
  EXPECT_EQ(options.warmup_s, 0.5);
  EXPECT_EQ(options.timeout_s, 30);
  EXPECT_EQ(options.duration_s, 10);
  EXPECT_FALSE(options.keep_alive);
  EXPECT_EQ(options.body.size(), 1024u);
  EXPECT_EQ(param(options, "REQUEST_METHOD"), "POST");  // a body without --method
  EXPECT_EQ(param(options, "SCRIPT_FILENAME"), "/srv/www/hello.php");
  EXPECT_EQ(param(options, "SCRIPT_NAME"), "/hello.php");
  EXPECT_EQ(param(options, "DOCUMENT_ROOT"), "/srv/www");
  EXPECT_EQ(options.address, "127.0.0.1:9000");

  parsed = parse({"/run/a.sock", "--json", "-n", "20", "-c", "2", "-w", "0", "-s", "/x.php"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  EXPECT_EQ(parsed.options->address, "/run/a.sock");
  EXPECT_EQ(parsed.options->requests, 20u);
  EXPECT_EQ(param(*parsed.options, "REQUEST_METHOD"), "GET");
}

TEST(BenchOptions, DerivedValues) {
  // Threads never outnumber connections; a timeout of 0 means the long default.
  Parsed parsed = parse({"-c", "2", "-t", "8", "--timeout", "0", "-p", "A=1", "a"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  EXPECT_EQ(parsed.options->threads, 2);
  EXPECT_EQ(parsed.options->timeout_s, 10);
  // A param given beats what --script would add.
  parsed = parse({"-p", "SCRIPT_NAME=/other", "-s", "/a/b.php", "a"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  EXPECT_EQ(param(*parsed.options, "SCRIPT_NAME"), "/other");
  EXPECT_EQ(param(*parsed.options, "SCRIPT_FILENAME"), "/a/b.php");
}

class BenchOptionsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fpmd_bench_options_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
};

TEST_F(BenchOptionsFiles, RequestAndBodyFiles) {
  const std::string body = write("body.txt", "hello");
  const std::string request =
      write("request.txt", "# a comment\nA=1\r\n\nB=2\n@body " + body + "\n");
  for (std::string flag : {"-r", "--request"}) {
    Parsed parsed = parse({flag, request, "a"});
    ASSERT_TRUE(parsed.options) << parsed.error;
    EXPECT_EQ(param(*parsed.options, "A"), "1");
    EXPECT_EQ(param(*parsed.options, "B"), "2");
    EXPECT_EQ(parsed.options->body, "hello");
  }
  Parsed parsed = parse({"--request=" + request, "a"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  EXPECT_EQ(param(*parsed.options, "B"), "2");

  parsed = parse({"--body", body, "-p", "A=1", "a"});
  ASSERT_TRUE(parsed.options) << parsed.error;
  EXPECT_EQ(parsed.options->body, "hello");
  EXPECT_EQ(param(*parsed.options, "CONTENT_LENGTH"), "5");
  EXPECT_EQ(param(*parsed.options, "CONTENT_TYPE"), "application/octet-stream");
  EXPECT_EQ(parse({"--body=" + body, "-p", "A=1", "a"}).options->body, "hello");

  const std::string sized = write("sized.txt", "A=1\n@body-size 3\n");
  EXPECT_EQ(parse({"-r", sized, "a"}).options->body, "xxx");
  const std::string bad = write("bad.txt", "A=1\nnot a param\n");
  EXPECT_EQ(errorOf({"-r", bad, "a"}), bad + ":2: expected NAME=VALUE, @body PATH or @body-size N");
  EXPECT_EQ(errorOf({"-r", dir_ + "/missing", "a"}),
            "cannot read request file " + dir_ + "/missing");
  EXPECT_EQ(errorOf({"--body", dir_ + "/missing", "-p", "A=1", "a"}),
            "cannot read " + dir_ + "/missing");
}

TEST(BenchOptions, Help) {
  for (std::string flag : {"-h", "--help"}) {
    Parsed parsed = parse({flag});
    EXPECT_FALSE(parsed.options);
    EXPECT_EQ(parsed.error, "");
  }
  // Help wins over an incomplete command line, and over what follows it.
  EXPECT_EQ(errorOf({"-c", "4", "--help", "--bogus"}), "");
  EXPECT_NE(std::string(kUsage).find("--no-keep-alive"), std::string::npos);
}

TEST(BenchOptions, MissingValues) {
  for (std::string flag : {"-c", "-t", "-d", "-n", "-w", "-r", "-s", "-p", "-m"}) {
    EXPECT_EQ(errorOf({"a", flag}), "option '" + flag + "' needs a value");
  }
  for (std::string flag :
       {"--connections", "--threads", "--duration", "--requests", "--warmup", "--timeout",
        "--request", "--script", "--param", "--method", "--body", "--body-size"}) {
    EXPECT_EQ(errorOf({"a", flag}), "option '" + flag + "' needs a value");
  }
}

TEST(BenchOptions, UnknownOptions) {
  EXPECT_EQ(errorOf({"--bogus", "a"}), "unknown option '--bogus'");
  EXPECT_EQ(errorOf({"-x", "a"}), "unknown option '-x'");
  EXPECT_EQ(errorOf({"--json=yes", "a"}), "option '--json' takes no value");
  EXPECT_EQ(errorOf({"--bo", "1", "a"}), "ambiguous option '--bo' (--body, --body-size)");
}

TEST(BenchOptions, BadNumbers) {
  EXPECT_EQ(errorOf({"-c", "0", "a"}), "-c: expected a count >= 1");
  EXPECT_EQ(errorOf({"--connections=100001", "a"}), "--connections: expected a count >= 1");
  EXPECT_EQ(errorOf({"-t", "two", "a"}), "-t: expected a count >= 1");
  EXPECT_EQ(errorOf({"-c", "-1", "a"}), "-c: expected a count >= 1");
  EXPECT_EQ(errorOf({"-n", "0", "a"}), "-n: expected a count >= 1");
  EXPECT_EQ(errorOf({"--requests", "1e3", "a"}), "--requests: expected a count >= 1");
  EXPECT_EQ(errorOf({"-d", "-1", "a"}), "-d: expected seconds");
  EXPECT_EQ(errorOf({"--warmup", "", "a"}), "--warmup: expected seconds");
  EXPECT_EQ(errorOf({"--timeout", "2s", "a"}), "--timeout: expected seconds");
  EXPECT_EQ(errorOf({"--body-size", "big", "a"}), "--body-size: expected bytes");
  EXPECT_EQ(errorOf({"-p", "=1", "a"}), "-p: expected NAME=VALUE");
  EXPECT_EQ(errorOf({"--param", "A", "a"}), "--param: expected NAME=VALUE");
}

TEST(BenchOptions, AddressAndRequestRequired) {
  EXPECT_EQ(errorOf({}), "no address given");
  EXPECT_EQ(errorOf({"-p", "A=1"}), "no address given");
  EXPECT_EQ(errorOf({"a", "b", "-p", "A=1"}), "more than one address given");
  EXPECT_EQ(errorOf({"a"}), "no request: give --script, --request or --param");
  // After `--` an address may start with a dash.
  EXPECT_EQ(parse({"-p", "A=1", "--", "-odd"}).options->address, "-odd");
}

}  // namespace
}  // namespace fpmd::bench
