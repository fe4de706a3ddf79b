// config::load() hands the master typed listen values and the parsed access.format, so the
// master parses nothing at start that -t and a reload's validation did not check.

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "config/config.h"

namespace fpmd::config {
namespace {

namespace fs = std::filesystem;

TEST(ConfigTypedValuesTest, LoadFillsTheTypedValues) {
  char tmpl[] = "/tmp/fpmd_config_typed.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string path = dir + "/php-fpm.conf";
  std::ofstream(path) << "[global]\nerror_log = " << dir << "/e.log\n"
                      << "[www]\nlisten = 127.0.0.1:9123\nlisten.mode = 0600\n"
                      << "listen.allowed_clients = 127.0.0.1, ::1\n"
                      << "pm = static\npm.max_children = 1\n"
                      << "pm.status_listen = " << dir << "/status.sock\n"
                      << "access.log = " << dir << "/access.log\n"
                      << "access.format = \"%m %{mili}d\"\n";
  LoadOptions o;
  o.path = path;
  o.allow_root = true;
  o.running_as_root = true;
  Result<Config> r = load(o);
  ASSERT_TRUE(r.ok()) << r.error();
  const PoolConfig& p = r->pools[0];
  EXPECT_EQ(p.listen_address.kind, net::ListenAddress::Kind::Inet);
  EXPECT_EQ(p.listen_address.host, "127.0.0.1");
  EXPECT_EQ(p.listen_address.port, 9123);
  EXPECT_EQ(p.listen_mode_bits, 0600u);
  EXPECT_FALSE(p.listen_allowed.allowsAll());
  ASSERT_TRUE(p.status_listen_address.has_value());
  EXPECT_EQ(p.status_listen_address->path, dir + "/status.sock");
  ASSERT_TRUE(p.access_format_items.has_value());
  ASSERT_EQ(p.access_format_items->items().size(), 3u);
  EXPECT_EQ(p.access_format_items->items()[2].code, 'd');
  EXPECT_EQ(p.access_format_items->items()[2].text, "milli");  // canonicalized
  // PHP-FPM creates the access log at config time.
  EXPECT_TRUE(fs::exists(dir + "/access.log"));
  fs::remove_all(dir);
}

TEST(ConfigTypedValuesTest, NoAccessLogNoParsedFormat) {
  char tmpl[] = "/tmp/fpmd_config_typed.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string path = dir + "/php-fpm.conf";
  std::ofstream(path) << "[global]\nerror_log = " << dir << "/e.log\n[www]\nlisten = " << dir
                      << "/www.sock\npm = static\npm.max_children = 1\n";
  LoadOptions o;
  o.path = path;
  o.allow_root = true;
  o.running_as_root = true;
  Result<Config> r = load(o);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_FALSE(r->pools[0].access_format_items.has_value());
  EXPECT_TRUE(r->pools[0].listen_address.isUnix());
  EXPECT_EQ(r->pools[0].listen_mode_bits, 0660u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fpmd::config
