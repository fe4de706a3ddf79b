#pragma once

// The responder side of one FastCGI connection, for a worker that serves one request at
// a time with blocking I/O. Owned and used by one thread of one process.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cgi/request.h"
#include "common/unique_fd.h"
#include "fastcgi/management.h"
#include "fastcgi/name_value.h"
#include "fastcgi/output_buffer.h"
#include "fastcgi/record_parser.h"
#include "fastcgi/responder_core.h"

namespace fpmd::fastcgi {

/// Reads requests from a connected socket and writes their responses. Never multiplexes:
/// a BEGIN_REQUEST for another id while a request is active is refused with
/// FCGI_CANT_MPX_CONN. Not movable: body() and sink() refer back to it.
class Connection {
 public:
  /// `preread`: bytes someone else already read from `fd` (a master handing the
  /// connection over); they are parsed before reading the fd.
  Connection(UniqueFd fd, ServerValues values, std::string preread = {});
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  enum class ReadResult {
    Request,   // `params` holds the request; body() and sink() serve it
    Closed,    // the peer closed between requests, or the connection cannot serve more
    Error,     // malformed input or I/O failure, logged in one line: drop the connection
    TimedOut,  // the IdleWait gave up while a request was under way (part of it had come)
    Idle,      // the IdleWait gave up before any byte of a next request: the connection
               // is between requests and may be handed to another process
  };

  /// How the caller waits until a request has arrived whole (its BEGIN_REQUEST and
  /// PARAMS): a read there may block for as long as the peer likes, so the caller can
  /// watch other things (a stop, other connections, a deadline) and give up.
  class IdleWait {
   public:
    virtual ~IdleWait() = default;
    /// Called before such a read. True once `fd` is readable; false to stop waiting.
    /// `partial`: part of a request has already arrived (a record, or BEGIN_REQUEST).
    virtual bool waitReadable(int fd, bool partial) = 0;
    /// Whether to try a read that does not block before asking waitReadable(): on a new
    /// connection the request has usually arrived with it, and the read then costs one
    /// call instead of a poll() and a read().
    virtual bool readBeforeWaiting() { return false; }
  };

  /// Reads until a BEGIN_REQUEST and its PARAMS stream (ended by the empty PARAMS record)
  /// have arrived, answering GET_VALUES and unknown management records on the way. A role
  /// other than RESPONDER is refused with FCGI_UNKNOWN_ROLE. On a kept connection, first
  /// drains what is left of the previous request's stdin. `params` gets FCGI_ROLE first,
  /// as PHP-FPM sets it, then the params in arrival order. `idle_wait` (optional) is asked
  /// before every read until the params have ended; when it gives up the result is Idle,
  /// or TimedOut if part of a request had arrived. Without it, reads block.
  ReadResult readRequest(cgi::Params& params, IdleWait* idle_wait = nullptr);
  /// Gives the connection up, logging why in the same line as malformed input.
  void drop(std::string_view why) { fail(why); }

  /// FCGI_STDIN of the current request, streamed from the socket.
  cgi::BodySource& body() { return body_; }
  /// FCGI_STDOUT/FCGI_STDERR of the current request. Output is batched up to
  /// kFlushThreshold bytes; finish() sends the rest with the empty STDOUT record and
  /// END_REQUEST (app status 0, FCGI_REQUEST_COMPLETE), a small response in one write.
  cgi::ResponseSink& sink() { return sink_; }

  uint16_t requestId() const { return core_.requestId(); }
  /// FCGI_KEEP_CONN of the current request.
  bool keepConn() const { return core_.keepConn(); }
  /// FCGI_ABORT_REQUEST received, or the peer went away.
  bool aborted() const { return aborted_; }
  int fd() const { return fd_.get(); }
  /// After finish(): whether readRequest() may be called again (keep-conn, not aborted,
  /// no error). Otherwise the caller drops the connection.
  bool reusable() const;
  /// Reads and drops the rest of the current request's stdin; false if that failed.
  bool drainBody();
  /// Bytes already read from the socket and not yet consumed (a next request, or part
  /// of one). Such a connection cannot be handed to another process as it is.
  bool hasBufferedInput() const { return in_pos_ < in_end_ || !parser_.atBoundary(); }
  /// Whether a close() now cannot meet unread input (which would make the kernel send a
  /// reset): the web server has closed its end, or the current request's input has come
  /// to its end (the empty STDIN record) with nothing after it, looking only at bytes
  /// already read. Then the connection is closed without waiting for the web server's
  /// close. Drops the stdin the script left unread in the buffer.
  bool closableAtOnce();

  /// Output is written once this much is buffered.
  static constexpr size_t kFlushThreshold = 64 * 1024;

 private:
  class Body : public cgi::BodySource {
   public:
    explicit Body(Connection& c) : c_(c) {}
    long read(char* buf, size_t len) override { return c_.readBody(buf, len); }

   private:
    Connection& c_;
  };

  class Sink : public cgi::ResponseSink {
   public:
    explicit Sink(Connection& c) : c_(c) {}
    bool writeOut(std::string_view data) override { return c_.write(RecordType::Stdout, data); }
    bool writeErr(std::string_view data) override { return c_.write(RecordType::Stderr, data); }
    bool flush() override { return c_.flush(); }
    bool finish() override { return c_.finish(); }
    bool finished() const override { return c_.finished_; }
    bool aborted() const override { return c_.aborted_; }

   private:
    Connection& c_;
  };

  enum class Next { Record, Eof, Error, GaveUp };

  /// The next record, reading as needed; `idle_wait` is asked before each read while no
  /// request is active.
  Next nextRecord(Record& record, IdleWait* idle_wait = nullptr);
  /// One record through the protocol core, its replies sent at once. nullopt: the
  /// connection failed (logged).
  std::optional<ResponderCore::Event> dispatch(const Record& record);
  bool paramsDone() const {
    return core_.phase() == ResponderCore::Phase::Body ||
           core_.phase() == ResponderCore::Phase::BodyEnded;
  }
  /// Makes the current request's next stdin bytes available in pending_stdin_: > 0 when
  /// some are, 0 at the end of stdin, -1 when aborted or failed.
  long fillStdin();
  long readBody(char* buf, size_t len);

  bool write(RecordType type, std::string_view data);
  bool flush();
  /// Without blocking, reads what the web server sent while the script runs (when no
  /// unread stdin is pending): FCGI_ABORT_REQUEST or a close mark the request aborted.
  void checkForAbort();
  bool finish();
  /// Sends the buffered records; false (and aborted) when the peer is gone.
  bool sendBuffered();

  void resetRequest();
  /// Log one line naming the peer and mark the connection broken.
  void fail(std::string_view what);
  void failSys(std::string_view call);

  UniqueFd fd_;
  ServerValues values_;
  RecordParser parser_;
  ResponderCore core_;
  OutputBuffer out_;
  std::unique_ptr<char[]> in_;
  size_t in_capacity_ = 0;
  size_t in_pos_ = 0;
  size_t in_end_ = 0;
  std::string_view pending_stdin_;

  bool stderr_used_ = false;
  bool finished_ = false;
  bool aborted_ = false;    // abort record or peer gone
  bool peer_gone_ = false;  // end of stream, EPIPE or ECONNRESET
  bool error_ = false;      // malformed input or I/O failure, logged
  bool nodelay_set_ = false;

  Body body_{*this};
  Sink sink_{*this};
};

}  // namespace fpmd::fastcgi
