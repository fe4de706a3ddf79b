#include "fastcgi/responder_session.h"

#include <fmt/format.h>

#include "fastcgi/record_encoder.h"

namespace fpmd::fastcgi {

ResponderSession::State ResponderSession::feed(std::string_view input, std::string& out) {
  while (!input.empty()) {
    Record record;
    RecordParser::Status status = parser_.next(input, record);
    if (status == RecordParser::Status::Error) return fail(parser_.error());
    if (status == RecordParser::Status::NeedMore) break;
    State state = onRecord(record, out);
    if (state != State::Open) return state;
  }
  return State::Open;
}

ResponderSession::State ResponderSession::onRecord(const Record& record, std::string& out) {
  switch (core_.onRecord(record, out)) {
    case ResponderCore::Event::Failed:
      return fail(core_.error());
    case ResponderCore::Event::RequestReady: {
      const uint16_t id = core_.requestId();
      appendStream(out, RecordType::Stdout, id, answer_(core_.params()));
      appendRecord(out, RecordType::Stdout, id, {});
      appendEndRequest(out, id, 0, ProtocolStatus::RequestComplete);
      // The body that may follow is read to its end, so the next request starts clean.
      return core_.keepConn() ? State::Open : State::Done;
    }
    case ResponderCore::Event::StdinEnded:
      core_.endRequest();
      return State::Open;
    case ResponderCore::Event::Aborted: {
      // Before the params ended the core answered it; after, the answer is already out.
      const bool keep = core_.keepConn();
      core_.endRequest();
      return keep ? State::Open : State::Done;
    }
    case ResponderCore::Event::Refused:
      return core_.keepConn() ? State::Open : State::Done;
    default:
      return State::Open;
  }
}

ResponderSession::State ResponderSession::fail(std::string message) {
  error_ = std::move(message);
  return State::Invalid;
}

}  // namespace fpmd::fastcgi
