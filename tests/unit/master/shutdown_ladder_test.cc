#include "master/shutdown_ladder.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

#include "unit/fake_clock.h"

namespace fpmd::master {
namespace {

using pm::MasterState;

class ShutdownLadderTest : public ::testing::Test {
 protected:
  ShutdownLadder& ladder(int process_control_timeout) {
    ladder_ = std::make_unique<ShutdownLadder>(loop, process_control_timeout,
                                               [this](int signal) { sent.push_back(signal); });
    return *ladder_;
  }
  void advanceSeconds(double seconds) {
    clock.advance(static_cast<int64_t>(seconds * 1'000'000));
    loop.runOnce(0);
  }

  testing::FakeClock clock;
  os::EventLoop loop{clock};
  std::vector<int> sent;

 private:
  std::unique_ptr<ShutdownLadder> ladder_;
};

TEST_F(ShutdownLadderTest, GracefulStopWithoutTimeoutOnlyAsksOnce) {
  ShutdownLadder& stop = ladder(0);
  EXPECT_TRUE(stop.serving());
  EXPECT_TRUE(stop.request(MasterState::Finishing));
  EXPECT_FALSE(stop.serving());
  advanceSeconds(3600);
  EXPECT_EQ(sent, std::vector<int>{SIGQUIT});
  EXPECT_FALSE(stop.climbing());
}

TEST_F(ShutdownLadderTest, GracefulStopEscalatesAfterTheTimeout) {
  ShutdownLadder& stop = ladder(5);
  stop.request(MasterState::Finishing);
  EXPECT_EQ(sent, std::vector<int>{SIGQUIT});
  advanceSeconds(4.999);
  EXPECT_EQ(sent.size(), 1u);
  advanceSeconds(0.001);
  EXPECT_EQ(sent, (std::vector<int>{SIGQUIT, SIGTERM}));
  advanceSeconds(1);
  EXPECT_EQ(sent, (std::vector<int>{SIGQUIT, SIGTERM, SIGKILL}));
  advanceSeconds(60);
  EXPECT_EQ(sent.size(), 3u);
}

TEST_F(ShutdownLadderTest, TerminateKillsAfterTheTimeout) {
  ShutdownLadder& stop = ladder(2);
  stop.request(MasterState::Terminating);
  EXPECT_EQ(sent, std::vector<int>{SIGTERM});
  advanceSeconds(2);
  EXPECT_EQ(sent, (std::vector<int>{SIGTERM, SIGKILL}));
}

TEST_F(ShutdownLadderTest, TerminateDuringAGracefulStopStartsItsOwnLadder) {
  ShutdownLadder& stop = ladder(10);
  stop.request(MasterState::Reloading);
  advanceSeconds(9);
  EXPECT_TRUE(stop.request(MasterState::Terminating));
  EXPECT_EQ(stop.state(), MasterState::Terminating);
  // The reload's SIGTERM rung (due at 10 s) is gone: the next signal is the kill, 10 s on.
  advanceSeconds(1);
  EXPECT_EQ(sent, (std::vector<int>{SIGQUIT, SIGTERM}));
  advanceSeconds(9);
  EXPECT_EQ(sent, (std::vector<int>{SIGQUIT, SIGTERM, SIGKILL}));
}

TEST_F(ShutdownLadderTest, WeakerOrRepeatedRequestIsIgnored) {
  ShutdownLadder& stop = ladder(0);
  stop.request(MasterState::Terminating);
  EXPECT_FALSE(stop.request(MasterState::Finishing));
  EXPECT_FALSE(stop.request(MasterState::Terminating));
  EXPECT_FALSE(stop.request(MasterState::Reloading));
  EXPECT_EQ(stop.state(), MasterState::Terminating);
}

}  // namespace
}  // namespace fpmd::master
