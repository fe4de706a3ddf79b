// libFuzzer target for the FastCGI responder: the input is what a web server (or an
// attacker) might send. It goes through the record parser in chunks, the name-value
// decoders, and a Connection serving requests from it over a socketpair.

#include <fcntl.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cgi/request.h"
#include "common/unique_fd.h"
#include "fastcgi/connection.h"
#include "fastcgi/management.h"
#include "fastcgi/name_value.h"
#include "fastcgi/record_parser.h"
#include "log/log.h"

namespace {

using namespace fpmd;
using namespace fpmd::fastcgi;

// The parser fed in chunks whose sizes come from the input's first byte; every record's
// content also goes through the decoders that would see it.
void fuzzCodec(std::string_view data) {
  if (data.empty()) return;
  const size_t chunk = static_cast<uint8_t>(data[0]) % 17 + 1;
  data.remove_prefix(1);
  RecordParser parser;
  ParamsAssembler params(4096);
  std::string answer;
  while (!data.empty()) {
    std::string_view piece = data.substr(0, chunk);
    data.remove_prefix(piece.size());
    Record record;
    RecordParser::Status status;
    while ((status = parser.next(piece, record)) == RecordParser::Status::Record) {
      if (record.type == static_cast<uint8_t>(RecordType::GetValues)) {
        answer.clear();
        (void)appendGetValuesResult(answer, record.content, ServerValues{3, 4});
      } else if (record.type == static_cast<uint8_t>(RecordType::Params)) {
        if (record.content.empty()) {
          cgi::Params decoded;
          (void)params.finish(decoded);
        } else if (!params.append(record.content)) {
          params.reset();
        }
      }
    }
    if (status == RecordParser::Status::Error) return;
  }
}

// A Connection serving whatever requests the input holds. The input is handed over as
// preread bytes and the peer shuts its side, so reads end instead of blocking; the fd is
// non-blocking so that answers the peer never reads cannot block either.
void fuzzConnection(std::string_view data) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
  UniqueFd peer(sv[1]);
  ::shutdown(peer.get(), SHUT_WR);
  ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
  Connection connection(UniqueFd(sv[0]), ServerValues{2, 2}, std::string(data));
  cgi::Params params;
  char buf[333];
  for (int requests = 0; requests < 64; ++requests) {
    if (connection.readRequest(params) != Connection::ReadResult::Request) return;
    long n;
    while ((n = connection.body().read(buf, sizeof buf)) > 0) {
      connection.sink().writeOut(std::string_view(buf, static_cast<size_t>(n)));
      connection.sink().writeErr("e");
    }
    connection.sink().finish();
    if (!connection.reusable()) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Malformed input is logged by design; keep the fuzzer's output readable.
  log::setLevel(log::Level::Alert);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzzCodec(input);
  fuzzConnection(input);
  return 0;
}
