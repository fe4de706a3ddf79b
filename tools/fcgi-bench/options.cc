#include "options.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "common/option_scanner.h"

namespace fpmd::bench {

const char kUsage[] =
    "usage: fcgi-bench [options] (unix:/path | /path | host:port)\n"
    "A load generator speaking FastCGI (a wrk for FastCGI). Each connection sends one\n"
    "request at a time and the next as soon as the answer's END_REQUEST arrives.\n"
    "\n"
    "Load:\n"
    "  -c, --connections N   concurrent connections (default 8)\n"
    "  -t, --threads N       client threads, connections spread over them (default 1)\n"
    "  -d, --duration SEC    measure for SEC seconds (default 10)\n"
    "  -n, --requests N      measure N requests instead of a duration\n"
    "  -w, --warmup SEC      run SEC seconds first, not counted (default 1; 0: none)\n"
    "  -k, --keep-alive      FCGI_KEEP_CONN: reuse each connection (default)\n"
    "  -K, --no-keep-alive   a new connection per request (the server closes it)\n"
    "      --timeout SEC     a request unanswered after SEC seconds is an error of kind\n"
    "                        `timeout` (default 2); the connection then reconnects\n"
    "\n"
    "Request (params are sent in order; a name given twice is sent twice):\n"
    "  -r, --request FILE    request file: one NAME=VALUE param per line, '#' comments,\n"
    "                        '@body PATH' (body from a file), '@body-size N' (N bytes)\n"
    "  -s, --script PATH     GET PATH: sets SCRIPT_FILENAME, SCRIPT_NAME, REQUEST_URI,\n"
    "                        DOCUMENT_ROOT, REQUEST_METHOD and the usual CGI params\n"
    "  -p, --param NAME=VAL  add a param\n"
    "  -m, --method M        REQUEST_METHOD (default GET, POST with a body)\n"
    "      --body FILE       send FILE as FCGI_STDIN\n"
    "      --body-size N     send N bytes of 'x' as FCGI_STDIN\n"
    "  CONTENT_LENGTH (and CONTENT_TYPE application/octet-stream) are added for a body\n"
    "  unless given.\n"
    "\n"
    "Report:\n"
    "      --json            one JSON object on stdout: requests, errors, rps,\n"
    "                        p50_ms, p90_ms, p99_ms, p999_ms, max_ms, mean_ms, bytes,\n"
    "                        errors_by_kind, status classes, starved_connections,\n"
    "                        unanswered_requests, longest_unanswered_ms, ...\n"
    "  Latency runs from the first byte written (the connect, without keep-alive) to\n"
    "  END_REQUEST, in a log-linear histogram exact to 0.8%. A request is an error when\n"
    "  the connect, a write or a read fails, the connection closes before END_REQUEST,\n"
    "  it times out, the records are malformed, END_REQUEST's protocol status is not\n"
    "  REQUEST_COMPLETE, or the Status header is 4xx/5xx. A reused keep-alive connection\n"
    "  that the server closed before answering at all is retried once on a new\n"
    "  connection (counted as `retries`, not an error), as HTTP clients do. After a\n"
    "  failed connect a connection waits 10 ms before trying again.\n"
    "\n"
    "  Nothing goes unanswered unseen. A request counts when it ends after the warm-up,\n"
    "  wherever it started; after the run, requests in flight get up to --timeout to\n"
    "  finish. `unanswered_requests`: requests that got no END_REQUEST within --timeout\n"
    "  (the `timeout` errors); they are in the latency histogram at the time they waited,\n"
    "  a lower bound. `starved_connections`: connections that had a request outstanding\n"
    "  during the measured run and got no answer in it (a server that pins its workers to\n"
    "  kept-alive connections starves the others). `longest_unanswered_ms`: the longest a\n"
    "  connection waited with no answer, across timeouts and reconnects.\n"
    "\n"
    "Exit status: 0 when every measured request succeeded, 1 on usage errors, 2 when\n"
    "some requests failed.\n";

namespace {

bool parseNumber(std::string_view text, double& out) {
  const std::string copy(text);
  char* end = nullptr;
  out = std::strtod(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size() && out >= 0;
}

bool parseCount(std::string_view text, uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool readFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream data;
  data << in.rdbuf();
  out = data.str();
  return true;
}

bool addParam(std::string_view pair, fastcgi::ParamList& params) {
  const size_t eq = pair.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  params.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  return true;
}

bool loadRequestFile(const std::string& path, Options& options, std::string& error) {
  std::string text;
  if (!readFile(path, text)) {
    error = "cannot read request file " + path;
    return false;
  }
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto where = path + ":" + std::to_string(number);
    if (line.starts_with("@body ")) {
      if (!readFile(line.substr(6), options.body)) {
        error = where + ": cannot read " + line.substr(6);
        return false;
      }
    } else if (line.starts_with("@body-size ")) {
      uint64_t size = 0;
      if (!parseCount(line.substr(11), size)) {
        error = where + ": bad size";
        return false;
      }
      options.body.assign(size, 'x');
    } else if (!addParam(line, options.params)) {
      error = where + ": expected NAME=VALUE, @body PATH or @body-size N";
      return false;
    }
  }
  return true;
}

bool hasParam(const fastcgi::ParamList& params, std::string_view name) {
  for (const auto& param : params) {
    if (param.first == name) return true;
  }
  return false;
}

void addDefault(fastcgi::ParamList& params, std::string name, std::string value) {
  if (!hasParam(params, name)) params.emplace_back(std::move(name), std::move(value));
}

/// The params nginx's fastcgi_params would send for GET `script`.
void addScriptParams(const std::string& script, fastcgi::ParamList& params) {
  const size_t slash = script.rfind('/');
  const std::string root = slash == std::string::npos ? "." : script.substr(0, slash);
  const std::string name = slash == std::string::npos ? "/" + script : script.substr(slash);
  addDefault(params, "SCRIPT_FILENAME", script);
  addDefault(params, "SCRIPT_NAME", name);
  addDefault(params, "REQUEST_URI", name);
  addDefault(params, "DOCUMENT_URI", name);
  addDefault(params, "DOCUMENT_ROOT", root);
  addDefault(params, "QUERY_STRING", "");
  addDefault(params, "SERVER_PROTOCOL", "HTTP/1.1");
  addDefault(params, "GATEWAY_INTERFACE", "CGI/1.1");
  addDefault(params, "SERVER_SOFTWARE", "fcgi-bench");
  addDefault(params, "REMOTE_ADDR", "127.0.0.1");
  addDefault(params, "REMOTE_PORT", "40000");
  addDefault(params, "SERVER_ADDR", "127.0.0.1");
  addDefault(params, "SERVER_PORT", "80");
  addDefault(params, "SERVER_NAME", "localhost");
  addDefault(params, "REDIRECT_STATUS", "200");
  addDefault(params, "HTTP_HOST", "localhost");
}

}  // namespace

std::optional<Options> parseArgs(const std::vector<std::string>& args, std::string& error) {
  enum LongOnly { kTimeout = kLongOnly, kBody, kBodySize, kJson };
  OptionScanner scanner(args, {{'h', "help", false},
                               {'c', "connections", true},
                               {'t', "threads", true},
                               {'d', "duration", true},
                               {'n', "requests", true},
                               {'w', "warmup", true},
                               {'k', "keep-alive", false},
                               {'K', "no-keep-alive", false},
                               {kTimeout, "timeout", true},
                               {'r', "request", true},
                               {'s', "script", true},
                               {'p', "param", true},
                               {'m', "method", true},
                               {kBody, "body", true},
                               {kBodySize, "body-size", true},
                               {kJson, "json", false}});
  Options options;
  std::string script;
  std::string method;
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
    uint64_t count = 0;
    switch (item.id) {
      case 'h':
        error.clear();
        return std::nullopt;
      case 'k':
        options.keep_alive = true;
        break;
      case 'K':
        options.keep_alive = false;
        break;
      case kJson:
        options.json = true;
        break;
      case 'c':
      case 't':
        if (!parseCount(text, count) || count < 1 || count > 100000) {
          return fail(item.name + ": expected a count >= 1");
        }
        (item.id == 'c' ? options.connections : options.threads) = static_cast<int>(count);
        break;
      case 'n':
        if (!parseCount(text, options.requests) || options.requests == 0) {
          return fail(item.name + ": expected a count >= 1");
        }
        break;
      case 'd':
      case 'w':
      case kTimeout: {
        double seconds = 0;
        if (!parseNumber(text, seconds)) return fail(item.name + ": expected seconds");
        (item.id == kTimeout ? options.timeout_s
         : item.id == 'w'    ? options.warmup_s
                             : options.duration_s) = seconds;
        break;
      }
      case 'r':
        if (!loadRequestFile(text, options, error)) return std::nullopt;
        break;
      case 's':
        script = text;
        break;
      case 'p':
        if (!addParam(text, options.params)) return fail(item.name + ": expected NAME=VALUE");
        break;
      case 'm':
        method = text;
        break;
      case kBody:
        if (!readFile(text, options.body)) return fail("cannot read " + text);
        break;
      case kBodySize:
        if (!parseCount(text, count)) return fail(item.name + ": expected bytes");
        options.body.assign(count, 'x');
        break;
    }
  }
  if (options.address.empty()) {
    error = "no address given";
    return std::nullopt;
  }
  if (options.timeout_s <= 0) options.timeout_s = 10;
  if (options.threads > options.connections) options.threads = options.connections;
  if (!method.empty() && !hasParam(options.params, "REQUEST_METHOD")) {
    options.params.emplace_back("REQUEST_METHOD", method);
  }
  if (!options.body.empty()) {
    addDefault(options.params, "REQUEST_METHOD", "POST");
    addDefault(options.params, "CONTENT_LENGTH", std::to_string(options.body.size()));
    addDefault(options.params, "CONTENT_TYPE", "application/octet-stream");
  }
  if (!script.empty()) {
    addDefault(options.params, "REQUEST_METHOD", "GET");
    addScriptParams(script, options.params);
  }
  if (options.params.empty()) {
    error = "no request: give --script, --request or --param";
    return std::nullopt;
  }
  return options;
}

}  // namespace fpmd::bench
