// libFuzzer target: the request path of a worker up to, not including, PHP. The input is a
// request (params, mostly the CGI variables PHP-FPM's rules look at, and a body), the
// php.ini rules (cgi.fix_pathinfo, cgi.discard_path, doc_root) and a fake file tree. The
// request is encoded as FastCGI, read back by a Connection, resolved by PHP-FPM's
// SCRIPT_FILENAME/PATH_INFO/PATH_TRANSLATED rules (cgi::resolveScript), and its body read
// up to CONTENT_LENGTH in the pieces PHP's read_post callback asks for.
//
// Invariants: the script to run never has a ".." component; with cgi.fix_pathinfo it
// exists in the tree (or is empty, which security.limit_extensions refuses); it comes from
// what the web server sent; the body read is never more than was sent or than
// CONTENT_LENGTH allows.

#include <fcntl.h>
#include <sys/socket.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cgi/request.h"
#include "cgi/script_env.h"
#include "common/unique_fd.h"
#include "fastcgi/client_codec.h"
#include "fastcgi/connection.h"
#include "log/log.h"

namespace {

using namespace fpmd;

void check(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "request_fuzz: invariant broken: %s\n", what);
  abort();
}

// What nginx, Apache (mod_fastcgi, mod_proxy_fcgi) and IIS send that the rules read.
constexpr std::string_view kNames[] = {
    "SCRIPT_FILENAME", "PATH_INFO",        "SCRIPT_NAME",     "PATH_TRANSLATED",
    "DOCUMENT_ROOT",   "REDIRECT_URL",     "SERVER_SOFTWARE", "REQUEST_METHOD",
    "QUERY_STRING",    "CONTENT_TYPE",     "CONTENT_LENGTH",  "REQUEST_URI",
    "ORIG_PATH_INFO",  "ORIG_SCRIPT_NAME", "PHP_SELF",        "HTTP_AUTHORIZATION",
};

constexpr std::string_view kValues[] = {
    "/var/www/index.php",
    "/var/www/index.php/",
    "/var/www/index.php/a/b",
    "/var/www/a/b.php/c",
    "/var/www/",
    "/var/www",
    "/index.php",
    "/a/b.php",
    "/a/b.php/c",
    "/c",
    "/../etc/passwd",
    "/var/www/../x.php",
    "proxy:fcgi://127.0.0.1:9000/var/www/index.php/a?b=c",
    "proxy:balancer://pool/var/www/a/b.php",
    "PROXY:FCGI://host",
    "Microsoft-IIS/10.0",
    "nginx/1.22",
    "GET",
    "POST",
    "10",
    "-1",
    " +7x",
    "99999999999999999999",
    "multipart/form-data; boundary=x",
    "a\\b\\c.php",
    "",
};

/// A file tree: the regular files are listed, their parent paths are directories.
class Tree {
 public:
  void add(std::string file) {
    if (!file.empty()) files_.insert(std::move(file));  // stat("") fails with ENOENT
  }
  cgi::FileKind stat(const std::string& path) const {
    ++stats_;
    if (files_.count(path) != 0) return cgi::FileKind::Regular;
    std::string dir = path;
    if (dir.empty() || dir.back() != '/') dir += '/';
    auto it = files_.lower_bound(dir);
    if (it != files_.end() && it->starts_with(dir)) return cgi::FileKind::Directory;
    return cgi::FileKind::Missing;
  }
  size_t stats() const { return stats_; }

 private:
  std::set<std::string> files_;
  mutable size_t stats_ = 0;
};

std::string value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return in.ConsumeRandomLengthString(300);
    case 1:
      return std::string(kValues[in.ConsumeIntegralInRange<size_t>(0, std::size(kValues) - 1)]);
    default: {
      // A known value with fuzzed bytes after it: path info, a NUL, a query.
      std::string v(kValues[in.ConsumeIntegralInRange<size_t>(0, std::size(kValues) - 1)]);
      return v + in.ConsumeRandomLengthString(40);
    }
  }
}

/// Bytes of `s` before its first NUL: what PHP-FPM's C strings see.
std::string_view cString(std::string_view s) {
  return s.substr(0, s.find('\0'));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  log::setLevel(log::Level::Alert);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  cgi::PathRules rules;
  rules.fix_pathinfo = in.ConsumeBool();
  rules.discard_path = in.ConsumeBool();
  if (in.ConsumeBool()) rules.doc_root = in.ConsumeBool() ? "/var/www/" : value(in);

  Tree tree;
  tree.add("/var/www/index.php");
  tree.add("/var/www/a/b.php");
  for (int n = in.ConsumeIntegralInRange<int>(0, 4); n > 0; --n) tree.add(value(in));

  fastcgi::ParamList sent;
  for (int n = in.ConsumeIntegralInRange<int>(0, 24); n > 0; --n) {
    std::string name =
        in.ConsumeIntegralInRange<int>(0, 7) == 0
            ? in.ConsumeRandomLengthString(40)
            : std::string(kNames[in.ConsumeIntegralInRange<size_t>(0, std::size(kNames) - 1)]);
    sent.emplace_back(std::move(name), value(in));
  }
  const size_t post_piece = in.ConsumeIntegralInRange<size_t>(1, 9000);
  const std::string body = in.ConsumeRemainingBytesAsString();

  // The request on the wire, read by a worker's Connection.
  std::string wire;
  fastcgi::appendBeginRequest(wire, 1, fastcgi::Role::Responder, false);
  fastcgi::appendParams(wire, 1, sent);
  fastcgi::appendStdin(wire, 1, body);
  const size_t wire_size = wire.size();
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  UniqueFd peer(sv[1]);
  ::shutdown(peer.get(), SHUT_WR);
  ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
  fastcgi::Connection connection(UniqueFd(sv[0]), fastcgi::ServerValues{}, std::move(wire));
  cgi::Params params;
  check(connection.readRequest(params) == fastcgi::Connection::ReadResult::Request,
        "a well-formed request is read");
  const cgi::Params received = params;

  const cgi::ScriptInfo info =
      cgi::resolveScript(params, rules, [&](const std::string& p) { return tree.stat(p); });
  (void)cgi::phpSelf(params, rules, info);

  if (info.path_translated) {
    const std::string& path = *info.path_translated;
    check(path.find('\0') == std::string::npos, "the script path is a C string");
    for (size_t i = path.find(".."); i != std::string::npos; i = path.find("..", i + 1)) {
      check(!((i == 0 || path[i - 1] == '/') && (i + 2 == path.size() || path[i + 2] == '/')),
            "the script path has no '..' component");
    }
    // It is (a prefix of) a path the web server sent, never something made up.
    bool from_request = false;
    for (std::string_view name : {"SCRIPT_FILENAME", "PATH_TRANSLATED"}) {
      if (const std::string* v = received.find(name)) {
        from_request = from_request || cString(*v).find(path) != std::string_view::npos;
      }
    }
    check(from_request, "the script path comes from SCRIPT_FILENAME or PATH_TRANSLATED");
    if (rules.fix_pathinfo && !path.empty() && tree.stat(path) == cgi::FileKind::Missing) {
      // PHP-FPM's one exception: when the file found by walking back is the SCRIPT_FILENAME
      // that was sent, it leaves the requested path (from PATH_TRANSLATED, after a
      // mod_fastcgi redirect) as it was, and opening it fails later.
      const std::string* filename = params.find("SCRIPT_FILENAME");
      check(filename != nullptr && path.starts_with(cString(*filename)) &&
                tree.stat(std::string(cString(*filename))) == cgi::FileKind::Regular,
            "with fix_pathinfo the script exists");
    }
    (void)cgi::extensionAllowed(path, {".php", ".phar", ""});
    (void)cgi::extensionDeniedMessage(path);
  }
  if (!received.has("SCRIPT_FILENAME") && !received.has("PATH_TRANSLATED")) {
    check(!info.path_translated, "no script without SCRIPT_FILENAME or PATH_TRANSLATED");
  }
  // walkBack() stats each '/' of the path once: linear, whatever the path.
  check(tree.stats() <= wire_size + 8, "stat calls bounded by the request size");

  // The body as PHP's read_post callback takes it: up to CONTENT_LENGTH, in pieces.
  std::string read;
  const size_t want = info.content_length > 0 ? static_cast<size_t>(info.content_length) : 0;
  std::vector<char> buf(post_piece);
  while (read.size() < want) {
    size_t n = std::min(buf.size(), want - read.size());
    long got = connection.body().read(buf.data(), n);
    check(got <= static_cast<long>(n), "a body read stays within its buffer");
    if (got <= 0) break;
    read.append(buf.data(), static_cast<size_t>(got));
  }
  check(read.size() <= want, "the body read stops at CONTENT_LENGTH");
  check(std::string_view(body).starts_with(read), "the body read is the body sent");
  if (want >= body.size()) check(read == body, "a long CONTENT_LENGTH reads the whole body");
  check(connection.drainBody(), "the rest of the body drains");
  connection.sink().writeOut("Status: 200\r\n\r\n");
  connection.sink().finish();
  return 0;
}
