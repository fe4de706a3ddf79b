// Whether a worker may leave PHP's module shutdown to the process exit
// (php/quick_exit.h): PHP's own extensions yes, anything else no.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine_harness.h"
#include "php/engine.h"
#include "php/quick_exit.h"

namespace fpmd::php::testing {
namespace {

TEST(WorkerExit, PhpsOwnExtensionsDoNotNeedTheirShutdown) {
  const std::vector<std::string> names = {"Core", "date",     "Zend OPcache", "mysqli",
                                          "PDO",  "cgi-fcgi", "SPL"};
  EXPECT_EQ(quickExitBlocker(names), "");
}

TEST(WorkerExit, AnExtensionPhpDoesNotShipIsGivenItsShutdown) {
  // An APM agent may send what it gathered from its module shutdown.
  const std::vector<std::string> names = {"Core", "newrelic", "xdebug"};
  EXPECT_EQ(quickExitBlocker(names), "newrelic");
  EXPECT_FALSE(shutdownOnlyFreesMemory("snmp"));
  EXPECT_FALSE(shutdownOnlyFreesMemory("opcache"));  // the module is "Zend OPcache"
  EXPECT_TRUE(shutdownOnlyFreesMemory("zend OPCACHE"));
}

TEST(WorkerExit, TheLoadedModulesAreAllPhpsOwn) {
  // The engine tests load PHP's own extensions and opcache only.
  EXPECT_EQ(workerExitBlocker(), "");
}

}  // namespace
}  // namespace fpmd::php::testing
