#include "options.h"

#include <charconv>
#include <string_view>

#include "common/option_scanner.h"

namespace fpmd::fcgi_client {

const char kUsage[] =
    "usage: fcgi-client [options] (unix:/path | /path | host:port)\n"
    "  -p, --param NAME=VALUE  add a FastCGI param (repeatable, sent in order)\n"
    "  --stdin FILE            send FILE ('-' for standard input) as FCGI_STDIN;\n"
    "                          adds CONTENT_LENGTH unless a param sets it\n"
    "  --keep-conn             set FCGI_KEEP_CONN\n"
    "  --repeat N              send the request N times on one connection\n"
    "                          (FCGI_KEEP_CONN on all but the last, unless --keep-conn)\n"
    "  --role N                FastCGI role (default 1, RESPONDER)\n"
    "  --request-id N          request id (default 1)\n"
    "  --get-values            ask FCGI_GET_VALUES and print NAME=VALUE lines\n"
    "  -h, --help              this help\n";

namespace {

std::optional<int> parseInt(std::string_view text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<Options> parseArgs(const std::vector<std::string>& args, std::string& error) {
  enum LongOnly { kStdin = kLongOnly, kKeepConn, kRepeat, kRole, kRequestId, kGetValues };
  OptionScanner scanner(args, {{'h', "help", false},
                               {'p', "param", true},
                               {kStdin, "stdin", true},
                               {kKeepConn, "keep-conn", false},
                               {kRepeat, "repeat", true},
                               {kRole, "role", true},
                               {kRequestId, "request-id", true},
                               {kGetValues, "get-values", false}});
  Options options;
  auto fail = [&](std::string message) -> std::optional<Options> {
    error = std::move(message);
    return std::nullopt;
  };
  for (;;) {
    OptionScanner::Item item = scanner.next();
    if (item.kind == OptionScanner::Kind::End) break;
    if (item.kind == OptionScanner::Kind::Error) return fail(item.error);
    if (item.kind == OptionScanner::Kind::Positional) {
      if (!options.address.empty()) return fail("more than one address given");
      options.address = item.value;
      continue;
    }
    const std::string& text = item.value;
    switch (item.id) {
      case 'h':
        error.clear();
        return std::nullopt;
      case 'p': {
        const size_t eq = text.find('=');
        if (eq == std::string::npos) return fail(item.name + ": expected NAME=VALUE");
        options.params.emplace_back(text.substr(0, eq), text.substr(eq + 1));
        break;
      }
      case kStdin:
        options.stdin_file = text;
        break;
      case kKeepConn:
        options.keep_conn = true;
        break;
      case kGetValues:
        options.get_values = true;
        break;
      case kRepeat:
      case kRole:
      case kRequestId: {
        // Role 0 is accepted: no role has it, so it asks for the server's FCGI_UNKNOWN_ROLE
        // answer. Request id 0 is the management records' id, not a request's.
        const int min = item.id == kRole ? 0 : 1;
        std::optional<int> number = parseInt(text, min, 0xffff);
        if (!number) {
          return fail(item.name + ": expected a number from " + std::to_string(min) + " to 65535");
        }
        (item.id == kRepeat ? options.repeat
         : item.id == kRole ? options.role
                            : options.request_id) = *number;
        break;
      }
    }
  }
  if (options.address.empty()) return fail("no address given");
  return options;
}

}  // namespace fpmd::fcgi_client
