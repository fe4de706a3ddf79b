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
    : fd_(std::move(fd)), values_(values) {
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
  active_ = false;
  request_id_ = 0;
  keep_conn_ = false;
  params_done_ = false;
  stdin_done_ = false;
  stderr_used_ = false;
  finished_ = false;
  aborted_ = peer_gone_;
  pending_stdin_ = {};
  params_.reset();
  out_.clear();
}

bool Connection::reusable() const {
  return active_ && finished_ && keep_conn_ && !aborted_ && !error_;
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
    if (idle_wait != nullptr && !params_done_ &&
        !idle_wait->waitReadable(fd_.get(), active_ || !parser_.atBoundary())) {
      return Next::GaveUp;
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

Connection::Dispatch Connection::dispatch(const Record& record) {
  const auto type = static_cast<RecordType>(record.type);
  if (record.request_id == kManagementRequestId || !isKnownType(record.type)) {
    std::string& out = out_.records();
    if (record.request_id == kManagementRequestId && type == RecordType::GetValues) {
      if (Status status = appendGetValuesResult(out, record.content, values_); !status) {
        fail(status.error());
        return Dispatch::Failed;
      }
    } else {
      appendUnknownType(out, record.type);
    }
    return sendBuffered() ? Dispatch::Handled : Dispatch::Failed;
  }
  switch (type) {
    case RecordType::EndRequest:
    case RecordType::Stdout:
    case RecordType::Stderr:
    case RecordType::GetValuesResult:
    case RecordType::UnknownType:
      fail(fmt::format("unexpected record type {} (sent by applications, not web servers)",
                       record.type));
      return Dispatch::Failed;
    case RecordType::BeginRequest:
      if (active_ && record.request_id != request_id_) {
        appendEndRequest(out_.records(), record.request_id, 0, ProtocolStatus::CantMpxConn);
        return sendBuffered() ? Dispatch::Handled : Dispatch::Failed;
      }
      return Dispatch::Ours;
    default:
      // Before a request begins, anything but BEGIN_REQUEST is garbage: drop the
      // connection, as PHP-FPM does, rather than wait on a peer that is not speaking
      // FastCGI. During a request, records of other (ended or refused) requests are
      // ignored, as the specification asks.
      if (!active_) {
        if (refused_request_id_ != 0 && record.request_id == refused_request_id_) {
          return Dispatch::Handled;  // the rest of a request we refused (UNKNOWN_ROLE)
        }
        fail(fmt::format("record type {} for request id {} before BEGIN_REQUEST", record.type,
                         record.request_id));
        return Dispatch::Failed;
      }
      if (record.request_id != request_id_) return Dispatch::Handled;
      return Dispatch::Ours;
  }
}

bool Connection::beginRequest(const Record& record) {
  if (active_) {
    fail(fmt::format("second BEGIN_REQUEST for request id {}", record.request_id));
    return false;
  }
  if (record.content.size() != kBeginRequestBodySize) {
    fail(fmt::format("BEGIN_REQUEST body of {} bytes instead of {}", record.content.size(),
                     kBeginRequestBodySize));
    return false;
  }
  const auto* body = reinterpret_cast<const unsigned char*>(record.content.data());
  const unsigned role = (body[0] << 8) | body[1];
  const bool keep_conn = (body[2] & kKeepConn) != 0;
  if (role != static_cast<unsigned>(Role::Responder)) {
    log::warning("FastCGI request from {} refused: role {} is not supported (only RESPONDER)",
                 describePeer(fd_.get()), role);
    appendEndRequest(out_.records(), record.request_id, 0, ProtocolStatus::UnknownRole);
    refused_request_id_ = record.request_id;
    if (!sendBuffered()) return false;
    // Logged already: without keep-conn the peer expects us to close.
    error_ = !keep_conn;
    return keep_conn;
  }
  active_ = true;
  request_id_ = record.request_id;
  keep_conn_ = keep_conn;
  out_.setRequestId(request_id_);
  return true;
}

Connection::ReadResult Connection::readRequest(cgi::Params& params, IdleWait* idle_wait) {
  params.clear();
  if (error_) return ReadResult::Error;
  if (active_) {
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
      return active_ || !parser_.atBoundary() ? ReadResult::TimedOut : ReadResult::Idle;
    }
    if (next == Next::Eof) {
      peer_gone_ = true;
      if (!active_ && parser_.atBoundary()) return ReadResult::Closed;
      fail("connection closed in the middle of a request");
      return ReadResult::Error;
    }
    Dispatch dispatched = dispatch(record);
    if (dispatched == Dispatch::Failed) return failed();
    if (dispatched == Dispatch::Handled) continue;
    switch (static_cast<RecordType>(record.type)) {
      case RecordType::BeginRequest:
        if (!beginRequest(record)) return failed();
        break;
      case RecordType::Params:
        if (!record.content.empty()) {
          if (Status status = params_.append(record.content); !status) {
            fail(status.error());
            return ReadResult::Error;
          }
          break;
        }
        params.set("FCGI_ROLE", "RESPONDER");
        if (Status status = params_.finish(params); !status) {
          fail(status.error());
          return ReadResult::Error;
        }
        params_done_ = true;
        if (keep_conn_ && !nodelay_set_) {
          // As PHP-FPM: on a kept TCP connection the end of one response must not wait
          // for the ACK of the previous one.
          setNoDelayIfTcp(fd_.get());
          nodelay_set_ = true;
        }
        return ReadResult::Request;
      case RecordType::Stdin:
        fail(fmt::format("STDIN before the end of PARAMS for request id {}", request_id_));
        return ReadResult::Error;
      case RecordType::AbortRequest:
        // Aborted before it started: answer it, then wait for the next one if kept.
        appendEndRequest(out_.records(), request_id_, 0, ProtocolStatus::RequestComplete);
        if (!sendBuffered()) return failed();
        if (!keep_conn_) return ReadResult::Closed;
        resetRequest();
        break;
      default:
        break;  // FCGI_DATA belongs to the FILTER role
    }
  }
}

long Connection::fillStdin() {
  if (!active_ || !params_done_ || aborted_ || error_) return -1;
  while (pending_stdin_.empty()) {
    if (stdin_done_) return 0;
    Record record;
    Next next = nextRecord(record);
    if (next == Next::Eof) {
      peer_gone_ = aborted_ = true;
      return -1;
    }
    if (next == Next::Error) return -1;
    Dispatch dispatched = dispatch(record);
    if (dispatched == Dispatch::Failed) return -1;
    if (dispatched == Dispatch::Handled) continue;
    switch (static_cast<RecordType>(record.type)) {
      case RecordType::Stdin:
        if (record.content.empty()) {
          stdin_done_ = true;
        } else {
          pending_stdin_ = record.content;
        }
        break;
      case RecordType::AbortRequest:
        aborted_ = true;
        return -1;
      case RecordType::BeginRequest:
      case RecordType::Params:
        fail(fmt::format("record type {} after the end of PARAMS for request id {}", record.type,
                         request_id_));
        return -1;
      default:
        break;
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
  if (!active_ || !params_done_) return true;
  for (;;) {
    pending_stdin_ = {};
    long filled = fillStdin();
    if (filled <= 0) return filled == 0;
  }
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
  if (!active_ || finished_ || aborted_ || error_) return false;
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
  if (!params_done_ || aborted_ || peer_gone_ || error_ || !pending_stdin_.empty()) return;
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
    if (dispatch(record) != Dispatch::Ours) continue;
    switch (static_cast<RecordType>(record.type)) {
      case RecordType::AbortRequest:
        aborted_ = true;
        return;
      case RecordType::Stdin:
        if (record.content.empty()) {
          stdin_done_ = true;
          continue;
        }
        pending_stdin_ = record.content;  // for readBody(); stop here
        return;
      case RecordType::BeginRequest:
      case RecordType::Params:
        fail(fmt::format("record type {} after the end of PARAMS for request id {}", record.type,
                         request_id_));
        return;
      default:
        continue;
    }
  }
}

bool Connection::flush() {
  if (!active_ || finished_ || aborted_ || error_) return false;
  // A script that flushes is streaming: the moment to notice a web server that aborted
  // the request or went away. PHP-FPM only notices on a failed write; one poll() here
  // lets connection_aborted() see it at once.
  checkForAbort();
  if (aborted_ || error_) return false;
  return sendBuffered();
}

bool Connection::finish() {
  if (!active_ || finished_) return false;
  finished_ = true;
  if (peer_gone_ || error_) {
    out_.clear();
    return false;
  }
  // Also after FCGI_ABORT_REQUEST: the web server still waits for END_REQUEST.
  std::string& out = out_.records();
  if (stderr_used_) appendRecord(out, RecordType::Stderr, request_id_, {});
  appendRecord(out, RecordType::Stdout, request_id_, {});
  appendEndRequest(out, request_id_, 0, ProtocolStatus::RequestComplete);
  return sendBuffered() && !aborted_;
}

}  // namespace fpmd::fastcgi
