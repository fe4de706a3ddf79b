#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "net/listen_address.h"
#include "net/listen_queue.h"
#include "net/listener.h"

namespace fpmd::net {
namespace {

int connectTo(const sockaddr* address, socklen_t length, int family) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_EQ(::connect(fd, address, length), 0) << std::strerror(errno);
  return fd;
}

TEST(ListenQueue, UnixSocketDepthAndBacklog) {
  char dir_template[] = "/tmp/fpmd-lq-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  std::string path = std::string(dir_template) + "/q.sock";
  ListenAddress address;
  address.path = path;
  ListenOptions options;
  options.backlog = 7;
  auto listener = openListener(address, options);
  ASSERT_TRUE(listener.ok()) << listener.error();

  auto empty = listenQueue(listener->get(), true);
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->depth, 0U);
  EXPECT_EQ(empty->limit, 7U);

  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strcpy(sun.sun_path, path.c_str());
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(connectTo(reinterpret_cast<sockaddr*>(&sun), sizeof(sun), AF_UNIX));
  }
  auto queued = listenQueue(listener->get(), true);
  ASSERT_TRUE(queued.has_value());
  EXPECT_EQ(queued->depth, 3U);
  ::unlink(path.c_str());
  ::rmdir(dir_template);
}

TEST(ListenQueue, TcpSocketDepth) {
  ListenAddress address;
  address.kind = ListenAddress::Kind::Inet;
  address.host = "127.0.0.1";
  address.port = 0;
  ListenOptions options;
  options.backlog = 9;
  auto listener = openListener(address, options);
  ASSERT_TRUE(listener.ok()) << listener.error();
  sockaddr_in bound{};
  socklen_t length = sizeof(bound);
  ASSERT_EQ(::getsockname(listener->get(), reinterpret_cast<sockaddr*>(&bound), &length), 0);
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 2; ++i) {
    clients.emplace_back(connectTo(reinterpret_cast<sockaddr*>(&bound), length, AF_INET));
  }
  auto queued = listenQueue(listener->get(), false);
  ASSERT_TRUE(queued.has_value());
  EXPECT_EQ(queued->depth, 2U);
  EXPECT_EQ(queued->limit, 9U);
}

}  // namespace
}  // namespace fpmd::net
