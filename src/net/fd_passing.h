#pragma once

// Passing a connection between processes of a pool over a unix socket (SCM_RIGHTS): a
// worker hands an idle kept-alive connection back to the master, and the master (or a
// worker, when the next request has already come) queues it for whichever worker is free.

#include "common/unique_fd.h"

namespace fpmd::net {

/// Creates the SOCK_SEQPACKET pair a pool uses for one direction: every message carries
/// exactly one fd and is received whole by exactly one reader.
bool makeFdChannel(UniqueFd& a, UniqueFd& b);

/// Sends `fd` (which the caller keeps and should close). Never blocks; false with errno
/// set (EAGAIN when the channel is full).
bool sendFd(int channel, int fd);

/// Receives one fd, close-on-exec. Never blocks: an invalid UniqueFd with errno EAGAIN
/// when nothing is waiting (another reader may have taken it).
UniqueFd receiveFd(int channel);

}  // namespace fpmd::net
