// dumpLines() against php-fpm8.2 -tt output captured for the same files.

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "config/config.h"

namespace fpmd::config {
namespace {

namespace fs = std::filesystem;

#include "unit/config/fixtures/php_fpm_82_dump.inc"

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) {
    s.replace(at, from.size(), to);
  }
  return s;
}

class ConfigDumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fpmd_dump_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directory(dir_ + "/c");
    log::setLaunched(true);
    saved_ = log::target();
    null_fd_ = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    log::setTarget({log::Target::Kind::File, null_fd_});
  }
  void TearDown() override {
    log::setTarget(saved_);
    log::setLaunched(false);
    ::close(null_fd_);
    fs::remove_all(dir_);
  }

  std::vector<std::string> dump(const char* text, bool with_prefix) {
    std::string path = dir_ + "/test.conf";
    std::ofstream(path) << replaceAll(text, "{dir}", dir_);
    LoadOptions o;
    o.path = path;
    o.running_as_root = true;
    if (with_prefix) o.prefix = dir_;
    o.env = [](const std::string& name) -> std::optional<std::string> {
      if (name == "FOO") return "nogroup";
      return std::nullopt;
    };
    Result<Config> r = load(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
    if (!r.ok()) return {};
    return dumpLines(*r);
  }

  template <size_t N>
  std::vector<std::string> expected(const char* (&lines)[N]) {
    std::vector<std::string> out;
    for (const char* l : lines) out.push_back(replaceAll(l, "{dir}", dir_));
    return out;
  }

  std::string dir_;
  int null_fd_ = -1;
  log::Target saved_;
};

TEST_F(ConfigDumpTest, ValuesExpansionAndListOrder) {
  std::vector<std::string> got = dump(kTT1Config, false);
  std::vector<std::string> want = expected(kTT1Dump);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]);
}

TEST_F(ConfigDumpTest, GlobalsPrefixesAndPmDefaults) {
  std::vector<std::string> got = dump(kTT3Config, true);
  std::vector<std::string> want = expected(kTT3Dump);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]);
}

}  // namespace
}  // namespace fpmd::config
