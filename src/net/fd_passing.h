#pragma once

// Passing a connection between processes of a pool over a unix socket (SCM_RIGHTS): a
// worker hands an idle kept-alive connection back to the master, and the master (or a
// worker, when the next request has already come) queues it for whichever worker is free.

#include <functional>

#include "common/unique_fd.h"

namespace fpmd::net {

/// Creates the SOCK_SEQPACKET pair a pool uses for one direction: every message carries
/// exactly one fd and is received whole by exactly one reader.
bool makeFdChannel(UniqueFd& a, UniqueFd& b);

/// Sends `fd` (which the caller keeps and should close). Never blocks; false with errno
/// set (EAGAIN when the channel is full).
bool sendFd(int channel, int fd);

/// What one receive found.
struct ReceivedFd {
  enum class Outcome {
    Fd,      // `fd` holds it, close-on-exec
    Empty,   // nothing waiting (another reader may have taken it)
    Lost,    // a message came, but this process had no fd free: the kernel closed the
             // connection it carried; the next message may fit again
    Failed,  // the channel is broken (closed, malformed message): `error` says how
  };
  Outcome outcome = Outcome::Empty;
  UniqueFd fd;
  int error = 0;
};

/// Receives one message. Never blocks.
ReceivedFd receiveFd(int channel);

/// The next fd that arrives whole: each Lost message on the way is reported through
/// `on_lost` and read past. Invalid when nothing (more) can be taken now.
UniqueFd receiveNextFd(int channel, const std::function<void()>& on_lost);

}  // namespace fpmd::net
