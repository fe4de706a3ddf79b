#include "fastcgi/connection.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fastcgi/record_encoder.h"
#include "fastcgi/socket_io.h"
#include "log/log.h"

namespace fpmd::fastcgi {

namespace {

// One read() takes a whole record of maximum size, or many small ones.
constexpr size_t kReadBufferSize = 64 * 1024;

}  // namespace

Connection::Connection(UniqueFd fd, ServerValues values, std::string preread)
    : fd_(std::move(fd)), values_(values), core_(values) {
  in_capacity_ = std::max(kReadBufferSize, preread.size());
  in_ = std::make_unique_for_overwrite<char[]>(in_capacity_);
  std::memcpy(in_.get(), preread.data(), preread.size());
  in_end_ = preread.size();
}

void Connection::fail(std::string_view what) {
  error_ = true;
  log::warning("dropping FastCGI connection from {}: {}", describePeer(fd_.get()), what);
}

void Connection::failSys(std::string_view call) {
  error_ = true;
  log::sysError(log::Level::Error, "dropping FastCGI connection from {}: {} failed",
                describePeer(fd_.get()), call);
}

void Connection::resetRequest() {
  core_.endRequest();
  stderr_used_ = false;
  finished_ = false;
  aborted_ = peer_gone_;
  pending_stdin_ = {};
  out_.clear();
}

bool Connection::reusable() const {
  return core_.active() && finished_ && core_.keepConn() && !aborted_ && !error_;
}

Connection::Next Connection::nextRecord(Record& record, IdleWait* idle_wait) {
  for (;;) {
    std::string_view input(in_.get() + in_pos_, in_end_ - in_pos_);
    RecordParser::Status status = parser_.next(input, record);
    in_pos_ = in_end_ - input.size();
    if (status == RecordParser::Status::Record) return Next::Record;
    if (status == RecordParser::Status::Error) {
      fail(parser_.error());
      return Next::Error;
    }
    // The parser took every byte (partial records are kept inside it): the buffer is
    // free, and no view into it is still in use.
    in_pos_ = in_end_ = 0;
    if (idle_wait != nullptr && !paramsDone()) {
      if (idle_wait->readBeforeWaiting()) {
        ssize_t ready = ::recv(fd_.get(), in_.get(), in_capacity_, MSG_DONTWAIT);
        if (ready > 0) {
          in_end_ = static_cast<size_t>(ready);
          continue;
        }
        // Nothing yet (or the end, or an error): the wait and the read below say which.
      }
      if (!idle_wait->waitReadable(fd_.get(), core_.active() || !parser_.atBoundary())) {
        return Next::GaveUp;
      }
    }
    long n = readSome(fd_.get(), in_.get(), in_capacity_);
    if (n > 0) {
      in_end_ = static_cast<size_t>(n);
      continue;
    }
    if (n == 0 || isPeerGone(errno)) return Next::Eof;
    failSys("read()");
    return Next::Error;
  }
}

std::optional<ResponderCore::Event> Connection::dispatch(const Record& record) {
  std::string reply;
  ResponderCore::Event event = core_.onRecord(record, reply);
  if (event == ResponderCore::Event::Failed) {
    fail(core_.error());
    return std::nullopt;
  }
  // A management answer or a refusal goes out at once (with any output already batched);
  // otherwise the batch waits for its threshold or the script's flush.
  if (!reply.empty()) {
    out_.records() += reply;
    if (!sendBuffered()) return std::nullopt;
  }
  return event;
}

Connection::ReadResult Connection::readRequest(cgi::Params& params, IdleWait* idle_wait) {
  params.clear();
  core_.assembleParamsInto(params);
  if (error_) return ReadResult::Error;
  if (core_.active()) {
    if (!reusable()) return ReadResult::Closed;
    if (!drainBody()) return error_ ? ReadResult::Error : ReadResult::Closed;
  }
  resetRequest();
  if (peer_gone_) return ReadResult::Closed;
  auto failed = [this] { return error_ ? ReadResult::Error : ReadResult::Closed; };
  for (;;) {
    Record record;
    Next next = nextRecord(record, idle_wait);
    if (next == Next::Error) return ReadResult::Error;
    if (next == Next::GaveUp) {
      return core_.active() || !parser_.atBoundary() ? ReadResult::TimedOut : ReadResult::Idle;
    }
    if (next == Next::Eof) {
      peer_gone_ = true;
      if (!core_.active() && parser_.atBoundary()) return ReadResult::Closed;
      fail("connection closed in the middle of a request");
      return ReadResult::Error;
    }
    std::optional<ResponderCore::Event> event = dispatch(record);
    if (!event) return failed();
    switch (*event) {
      case ResponderCore::Event::RequestReady:
        out_.setRequestId(core_.requestId());
        if (core_.keepConn() && !nodelay_set_) {
          // As PHP-FPM: on a kept TCP connection the end of one response must not wait
          // for the ACK of the previous one.
          setNoDelayIfTcp(fd_.get());
          nodelay_set_ = true;
        }
        return ReadResult::Request;
      case ResponderCore::Event::Refused:
        log::warning("FastCGI request from {} refused: role {} is not supported (only RESPONDER)",
                     describePeer(fd_.get()), core_.refusedRole());
        // Logged already: without keep-conn the peer expects us to close.
        if (!core_.keepConn()) {
          error_ = true;
          return ReadResult::Error;
        }
        break;
      case ResponderCore::Event::Aborted:
        // Aborted before it started (answered by the core): wait for the next one if kept.
        if (!core_.keepConn()) return ReadResult::Closed;
        resetRequest();
        break;
      default:
        break;
    }
  }
}

long Connection::fillStdin() {
  if (!paramsDone() || aborted_ || error_) return -1;
  while (pending_stdin_.empty()) {
    if (core_.phase() == ResponderCore::Phase::BodyEnded) return 0;
    Record record;
    Next next = nextRecord(record);
    if (next == Next::Eof) {
      peer_gone_ = aborted_ = true;
      return -1;
    }
    if (next == Next::Error) return -1;
    std::optional<ResponderCore::Event> event = dispatch(record);
    if (!event) return -1;
    if (*event == ResponderCore::Event::Stdin) pending_stdin_ = core_.stdin();
    if (*event == ResponderCore::Event::Aborted) {
      aborted_ = true;
      return -1;
    }
  }
  return 1;
}
long Connection::readBody(char* buf, size_t len) {
  if (len == 0) return 0;  // as read(2); must not block waiting for a record
  long filled = fillStdin();
  if (filled <= 0) return filled;
  size_t n = std::min(len, pending_stdin_.size());
  std::memcpy(buf, pending_stdin_.data(), n);
  pending_stdin_.remove_prefix(n);
  return static_cast<long>(n);
}

bool Connection::drainBody() {
  if (!paramsDone()) return true;
  for (;;) {
    pending_stdin_ = {};
    long filled = fillStdin();
    if (filled <= 0) return filled == 0;
  }
}

bool Connection::closableAtOnce() {
  if (peer_gone_) return true;
  if (!paramsDone() || error_) return false;
  pending_stdin_ = {};
  // The end of stdin may still be in the socket (a script that read none of it): what has
  // already arrived is read without waiting, up to a bound; a large unread body is left to
  // the graceful close.
  size_t read_budget = kFlushThreshold;
  while (core_.phase() != ResponderCore::Phase::BodyEnded) {
    std::string_view input(in_.get() + in_pos_, in_end_ - in_pos_);
    Record record;
    RecordParser::Status status = parser_.next(input, record);
    in_pos_ = in_end_ - input.size();
    if (status == RecordParser::Status::Error) return false;
    if (status == RecordParser::Status::Record) {
      std::optional<ResponderCore::Event> event = dispatch(record);
      if (!event || *event == ResponderCore::Event::Aborted) return false;
      continue;
    }
    in_pos_ = in_end_ = 0;
    if (read_budget == 0) return false;
    ssize_t n = ::recv(fd_.get(), in_.get(), std::min(in_capacity_, read_budget), MSG_DONTWAIT);
    if (n == 0) return peer_gone_ = true;
    if (n < 0) return false;  // still on its way (EAGAIN), or broken: close gracefully
    in_end_ = static_cast<size_t>(n);
    read_budget -= static_cast<size_t>(n);
  }
  return !hasBufferedInput();
}

bool Connection::sendBuffered() {
  if (peer_gone_) {
    out_.clear();
    return false;
  }
  const std::string& bytes = out_.records();
  if (bytes.empty()) return true;
  bool sent = writeAll(fd_.get(), bytes.data(), bytes.size());
  int saved = errno;
  out_.clear();
  if (sent) return true;
  aborted_ = peer_gone_ = true;
  // A web server that went away is routine (its client left); anything else is logged.
  if (!isPeerGone(saved)) {
    errno = saved;
    failSys("send()");
  }
  return false;
}

bool Connection::write(RecordType type, std::string_view data) {
  if (!core_.active() || finished_ || aborted_ || error_) return false;
  if (type == RecordType::Stderr && !data.empty()) stderr_used_ = true;
  while (!data.empty()) {
    // Keeps the buffer near kFlushThreshold even for one large write.
    size_t n = std::min(data.size(), kFlushThreshold - std::min(out_.size(), kFlushThreshold));
    out_.append(type, data.substr(0, n));
    data.remove_prefix(n);
    if (out_.size() >= kFlushThreshold && !sendBuffered()) return false;
  }
  return true;
}

void Connection::checkForAbort() {
  // Stdin the script has not read yet must stay where readBody() will find it: look
  // only when none is pending (it is a view into in_).
  if (!paramsDone() || aborted_ || peer_gone_ || error_ || !pending_stdin_.empty()) return;
  if (in_pos_ == in_end_) {
    pollfd ready{fd_.get(), POLLIN | POLLRDHUP, 0};
    if (::poll(&ready, 1, 0) <= 0) return;
    ssize_t n = ::recv(fd_.get(), in_.get(), in_capacity_, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && isPeerGone(errno))) {
      peer_gone_ = aborted_ = true;
      return;
    }
    if (n < 0) return;  // EAGAIN, EINTR: nothing to learn now
    in_pos_ = 0;
    in_end_ = static_cast<size_t>(n);
  }
  // Only what has arrived is parsed: a partial record stays in the parser for later.
  for (;;) {
    std::string_view input(in_.get() + in_pos_, in_end_ - in_pos_);
    Record record;
    RecordParser::Status status = parser_.next(input, record);
    in_pos_ = in_end_ - input.size();
    if (status == RecordParser::Status::NeedMore) {
      in_pos_ = in_end_ = 0;
      return;
    }
    if (status == RecordParser::Status::Error) {
      fail(parser_.error());
      return;
    }
    std::optional<ResponderCore::Event> event = dispatch(record);
    if (!event) return;
    if (*event == ResponderCore::Event::Aborted) {
      aborted_ = true;
      return;
    }
    if (*event == ResponderCore::Event::Stdin) {
      pending_stdin_ = core_.stdin();  // for readBody(); stop here
      return;
    }
  }
}

bool Connection::flush() {
  if (!core_.active() || finished_ || aborted_ || error_) return false;
  // A script that flushes is streaming: the moment to notice a web server that aborted
  // the request or went away. PHP-FPM only notices on a failed write; one poll() here
  // lets connection_aborted() see it at once.
  checkForAbort();
  if (aborted_ || error_) return false;
  return sendBuffered();
}

bool Connection::finish() {
  if (!core_.active() || finished_) return false;
  finished_ = true;
  if (peer_gone_ || error_) {
    out_.clear();
    return false;
  }
  // Also after FCGI_ABORT_REQUEST: the web server still waits for END_REQUEST.
  std::string& out = out_.records();
  if (stderr_used_) appendRecord(out, RecordType::Stderr, core_.requestId(), {});
  appendRecord(out, RecordType::Stdout, core_.requestId(), {});
  appendEndRequest(out, core_.requestId(), 0, ProtocolStatus::RequestComplete);
  return sendBuffered() && !aborted_;
}

}  // namespace fpmd::fastcgi
