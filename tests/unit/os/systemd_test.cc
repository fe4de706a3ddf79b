#include <gtest/gtest.h>

#include "os/systemd_notify.h"

namespace fpmd::os {
namespace {

TEST(SystemdStatus, PhpFpmWording) {
  os::ProcessCounts counts{3, 5, 1234, 2};
  EXPECT_EQ(os::systemdStatusLine(counts, 12.5),
            "Processes active: 3, idle: 5, Requests: 1234, slow: 2, Traffic: 12.5req/sec");
  EXPECT_EQ(os::systemdStatusLine(os::ProcessCounts{}, 0.0),
            "Processes active: 0, idle: 0, Requests: 0, slow: 0, Traffic: 0req/sec");
}

}  // namespace
}  // namespace fpmd::os
