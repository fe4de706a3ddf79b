// The script of a request is found through PHP's realpath cache, as PHP-FPM finds it
// (tsrm_realpath): the first lookup fills the cache, the next requests' lookups make no
// stat() (for realpath_cache_ttl seconds).

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "engine_harness.h"
#include "php/script_lookup.h"

namespace fpmd::php::testing {
namespace {

TEST(ScriptLookup, AScriptLookedUpOnceIsKnownWithoutAStat) {
  char dir_template[] = "/tmp/fpmd-lookup-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string script = dir + "/cached.php";
  std::ofstream(script) << "<?php echo 'cached';";
  EXPECT_EQ(lookUpScriptPath(script), cgi::FileKind::Regular);  // resolved into the cache

  Response r = run("hello.php", {{"SCRIPT_FILENAME", script},
                                 {"DOCUMENT_ROOT", dir},
                                 {"SCRIPT_NAME", "/cached.php"},
                                 {"REQUEST_URI", "/cached.php"}});
  ASSERT_EQ(r.body, "cached");

  // Gone from the disk, still in the cache: the lookup answers from it (stat() would say
  // missing), for realpath_cache_ttl seconds, as PHP-FPM's does.
  ::unlink(script.c_str());
  EXPECT_EQ(cgi::statPath(script), cgi::FileKind::Missing);
  EXPECT_EQ(lookUpScriptPath(script), cgi::FileKind::Regular);
  // A path PHP never resolved is looked at on the disk.
  EXPECT_EQ(lookUpScriptPath(dir + "/never.php"), cgi::FileKind::Missing);
  EXPECT_EQ(lookUpScriptPath(dir), cgi::FileKind::Directory);
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace fpmd::php::testing
