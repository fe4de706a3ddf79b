#include "top/fetch.h"

#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/unique_fd.h"
#include "fastcgi/client_codec.h"
#include "net/listen_address.h"

namespace fpmd::top {
namespace {

namespace fcgi = fpmd::fastcgi;
using Clock = std::chrono::steady_clock;

constexpr uint16_t kRequestId = 1;

std::string trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

int remainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(left.count(), 0));
}

/// Waits for `events` on `fd` until the deadline: 0 ready, else an errno (ETIMEDOUT, EINTR).
int waitFor(int fd, short events, Clock::time_point deadline) {
  pollfd pfd{fd, events, 0};
  int n = ::poll(&pfd, 1, remainingMs(deadline));
  if (n < 0) return errno;
  return n == 0 ? ETIMEDOUT : 0;
}

/// A non-blocking connect bounded by the deadline; 0 or an errno.
int connectWithin(int fd, const sockaddr* addr, socklen_t length, Clock::time_point deadline) {
  if (::connect(fd, addr, length) == 0) return 0;
  if (errno != EINPROGRESS && errno != EAGAIN) return errno;
  if (int error = waitFor(fd, POLLOUT, deadline)) return error;
  int error = 0;
  socklen_t size = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
  return error;
}

Result<UniqueFd> connectTo(const StatusAddress& address, const std::string& text,
                           Clock::time_point deadline) {
  auto failed = [&](int error) {
    return makeError(fmt::format("cannot connect to {}: {}", text, std::strerror(error)));
  };
  if (address.kind == StatusAddress::Kind::Unix) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (address.path.size() >= sizeof addr.sun_path) return failed(ENAMETOOLONG);
    std::memcpy(addr.sun_path, address.path.data(), address.path.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return failed(errno);
    if (int error =
            connectWithin(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr, deadline)) {
      return failed(error);
    }
    return fd;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(address.host.c_str(), address.port.c_str(), &hints, &found); rc != 0) {
    return makeError(fmt::format("cannot connect to {}: {}", text, ::gai_strerror(rc)));
  }
  int error = ECONNREFUSED;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
    if (!fd) {
      error = errno;
      continue;
    }
    error = connectWithin(fd.get(), ai->ai_addr, ai->ai_addrlen, deadline);
    if (error == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
  }
  ::freeaddrinfo(found);
  return failed(error);
}

Status sendAll(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return makeError(std::strerror(errno));
    if (int error = waitFor(fd, POLLOUT, deadline)) return makeError(std::strerror(error));
  }
  return {};
}

Result<fcgi::ResponseReader> receive(int fd, Clock::time_point deadline) {
  fcgi::ResponseReader reader(kRequestId);
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return makeError("connection closed before the end of the response");
    if (n < 0) {
      if (errno != EAGAIN) return makeError(std::strerror(errno));
      if (int error = waitFor(fd, POLLIN, deadline)) return makeError(std::strerror(error));
      continue;
    }
    std::string_view data(buf, static_cast<size_t>(n));
    switch (reader.feed(data)) {
      case fcgi::ResponseReader::State::Complete:
        return reader;
      case fcgi::ResponseReader::State::Error:
        return makeError("malformed FastCGI answer: " + reader.error());
      case fcgi::ResponseReader::State::InProgress:
        break;
    }
  }
}

}  // namespace

Result<StatusAddress> parseStatusAddress(const std::string& text) {
  std::string value = text;
  if (value.starts_with("unix:")) {
    value.erase(0, 5);
    if (value.empty()) return makeError(fmt::format("invalid address '{}'", text));
    return StatusAddress{StatusAddress::Kind::Unix, value, {}, {}};
  }
  Result<net::ListenAddress> listen = net::parseListenAddress(value);
  if (!listen) return makeError(fmt::format("invalid address '{}': {}", text, listen.error()));
  StatusAddress address;
  switch (listen->kind) {
    case net::ListenAddress::Kind::Unix:
      address.path = listen->path;
      return address;
    case net::ListenAddress::Kind::AnyPort:
      // A pool that listens on every address is reachable on this host's loopback.
      address.host = "localhost";
      break;
    case net::ListenAddress::Kind::Inet:
    case net::ListenAddress::Kind::Inet6:
      address.host = listen->host;
      break;
  }
  address.kind = StatusAddress::Kind::Tcp;
  address.port = std::to_string(listen->port);
  return address;
}

Result<CgiResponse> parseCgiResponse(std::string_view stdout_stream) {
  CgiResponse response;
  std::string_view rest = stdout_stream;
  for (;;) {
    size_t eol = rest.find('\n');
    if (eol == std::string_view::npos) return makeError("the answer has no end of headers");
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return makeError(fmt::format("malformed header line '{}'", line));
    }
    std::string name(line.substr(0, colon));
    std::string value = trim(line.substr(colon + 1));
    if (strcasecmp(name.c_str(), "Status") == 0) {
      size_t space = value.find(' ');
      std::string code = value.substr(0, space);
      if (code.size() != 3 || code.find_first_not_of("0123456789") != std::string::npos) {
        return makeError(fmt::format("malformed Status header '{}'", value));
      }
      response.status = std::stoi(code);
      response.reason = space == std::string::npos ? std::string() : trim(value.substr(space));
    }
    response.headers.emplace_back(std::move(name), std::move(value));
  }
  response.body = std::string(rest);
  return response;
}

std::string encodeStatusRequest(const std::string& path, const std::string& query) {
  // What nginx sends for `location = /status` with Debian's fastcgi_params, less the
  // server's own details: the status page matches on SCRIPT_NAME and reads QUERY_STRING.
  const fcgi::ParamList params = {
      {"GATEWAY_INTERFACE", "CGI/1.1"},
      {"SERVER_SOFTWARE", "fpmd-status"},
      {"SERVER_PROTOCOL", "HTTP/1.1"},
      {"REQUEST_METHOD", "GET"},
      {"SCRIPT_NAME", path},
      {"SCRIPT_FILENAME", path},
      {"DOCUMENT_URI", path},
      {"REQUEST_URI", query.empty() ? path : path + "?" + query},
      {"QUERY_STRING", query},
      {"CONTENT_LENGTH", ""},
      {"CONTENT_TYPE", ""},
  };
  std::string out;
  fcgi::appendBeginRequest(out, kRequestId, fcgi::Role::Responder, /*keep_conn=*/false);
  fcgi::appendParams(out, kRequestId, params);
  fcgi::appendStdin(out, kRequestId, {});
  return out;
}

Result<std::string> fetchStatusPage(const StatusAddress& address, const std::string& address_text,
                                    const std::string& path, const std::string& query,
                                    int timeout_ms) {
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  Result<UniqueFd> fd = connectTo(address, address_text, deadline);
  if (!fd) return makeError(fd.error());
  auto failed = [&](const std::string& why) {
    return makeError(fmt::format("{}{}: {}", address_text, path, why));
  };
  if (Status sent = sendAll(fd->get(), encodeStatusRequest(path, query), deadline); !sent) {
    return failed("send failed: " + sent.error());
  }
  Result<fcgi::ResponseReader> reader = receive(fd->get(), deadline);
  if (!reader) return failed(reader.error());
  if (reader->protocolStatus() != fcgi::ProtocolStatus::RequestComplete) {
    return failed(fmt::format("request refused (FastCGI protocol status {})",
                              static_cast<int>(reader->protocolStatus())));
  }
  Result<CgiResponse> response = parseCgiResponse(reader->out());
  if (!response) return failed(response.error());
  if (response->status != 200) {
    std::string detail = trim(reader->err().substr(0, reader->err().find('\n')));
    return failed(fmt::format("status {} {}{}", response->status, response->reason,
                              detail.empty() ? "" : " (" + detail + ")"));
  }
  return std::move(response->body);
}

}  // namespace fpmd::top
