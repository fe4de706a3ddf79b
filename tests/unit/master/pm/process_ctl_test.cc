#include <gtest/gtest.h>
#include <signal.h>

#include "master/pm/process_ctl.h"

namespace fpmd::master::pm {
namespace {

TEST(ProcessCtl, StrongerStopsOverrideWeakerOnes) {
  EXPECT_EQ(master::pm::requestState(MasterState::Normal, MasterState::Reloading),
            MasterState::Reloading);
  EXPECT_EQ(master::pm::requestState(MasterState::Reloading, MasterState::Finishing),
            MasterState::Finishing);
  EXPECT_EQ(master::pm::requestState(MasterState::Finishing, MasterState::Terminating),
            MasterState::Terminating);
}

TEST(ProcessCtl, RepeatedOrWeakerRequestsAreIgnored) {
  EXPECT_EQ(master::pm::requestState(MasterState::Reloading, MasterState::Reloading), std::nullopt);
  EXPECT_EQ(master::pm::requestState(MasterState::Finishing, MasterState::Reloading), std::nullopt);
  EXPECT_EQ(master::pm::requestState(MasterState::Terminating, MasterState::Finishing),
            std::nullopt);
  EXPECT_EQ(master::pm::requestState(MasterState::Terminating, MasterState::Normal), std::nullopt);
}

TEST(ProcessCtl, TerminateSendsTermThenKill) {
  auto first = master::pm::escalation(MasterState::Terminating, 0, 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->signal, SIGTERM);
  EXPECT_EQ(first->wait_after, 0);
  auto second = master::pm::escalation(MasterState::Terminating, 1, 0);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->signal, SIGKILL);
  EXPECT_FALSE(escalation(master::pm::MasterState::Terminating, 2, 0));
}

TEST(ProcessCtl, GracefulStopWaitsWithoutTimeout) {
  auto first = master::pm::escalation(MasterState::Finishing, 0, 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->signal, SIGQUIT);
  EXPECT_EQ(first->wait_after, std::nullopt);
}

TEST(ProcessCtl, GracefulStopEscalatesAfterTimeout) {
  auto first = master::pm::escalation(MasterState::Reloading, 0, 5);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->signal, SIGQUIT);
  EXPECT_EQ(first->wait_after, 5);
  EXPECT_EQ(master::pm::escalation(MasterState::Reloading, 1, 5)->signal, SIGTERM);
  EXPECT_EQ(master::pm::escalation(MasterState::Reloading, 1, 5)->wait_after, 1);
  EXPECT_EQ(master::pm::escalation(MasterState::Reloading, 2, 5)->signal, SIGKILL);
  EXPECT_FALSE(escalation(master::pm::MasterState::Reloading, 3, 5));
}

}  // namespace
}  // namespace fpmd::master::pm
