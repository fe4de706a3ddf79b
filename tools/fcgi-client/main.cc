// fcgi-client: sends one FastCGI request (or several on one connection) and prints the
// answer: the stdout stream to stdout, the stderr stream to stderr.
//
// Exit status: 0 when every request ended with FCGI_REQUEST_COMPLETE (and for --help),
// 1 on bad usage, 2 when the connection failed, 3 on a protocol error (malformed answer,
// connection closed before END_REQUEST, or a protocol status other than REQUEST_COMPLETE).

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.h"
#include "fastcgi/client_codec.h"
#include "fastcgi/socket_io.h"
#include "options.h"

namespace {

using fpmd::UniqueFd;
using fpmd::fcgi_client::Options;
namespace fcgi = fpmd::fastcgi;

constexpr int kExitUsage = 1;
constexpr int kExitConnect = 2;
constexpr int kExitProtocol = 3;

UniqueFd connectTo(const std::string& address) {
  std::string_view path;
  if (address.starts_with("unix:")) path = std::string_view(address).substr(5);
  if (address.starts_with("/")) path = address;
  if (!path.empty()) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
      std::cerr << "fcgi-client: socket path too long: " << path << "\n";
      return {};
    }
    std::memcpy(addr.sun_path, path.data(), path.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      return fd;
    }
    std::cerr << "fcgi-client: connect(" << address << ") failed: " << std::strerror(errno) << "\n";
    return {};
  }
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "fcgi-client: address must be unix:/path, /path or host:port\n";
    return {};
  }
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    std::cerr << "fcgi-client: cannot resolve " << address << ": " << ::gai_strerror(rc) << "\n";
    return {};
  }
  int saved = 0;
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (fd && ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    saved = errno;
  }
  ::freeaddrinfo(found);
  std::cerr << "fcgi-client: connect(" << address << ") failed: " << std::strerror(saved) << "\n";
  return {};
}

std::optional<std::string> readBody(const std::string& file) {
  if (file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

// Reads until `reader` completes; bytes beyond the response stay in `pending`.
bool awaitResponse(int fd, fcgi::ResponseReader& reader, std::string& pending) {
  char buf[64 * 1024];
  for (;;) {
    std::string_view data(pending);
    fcgi::ResponseReader::State state = reader.feed(data);
    pending.erase(0, pending.size() - data.size());
    if (state == fcgi::ResponseReader::State::Complete) return true;
    if (state == fcgi::ResponseReader::State::Error) {
      std::cerr << "fcgi-client: protocol error: " << reader.error() << "\n";
      return false;
    }
    long n = fcgi::readSome(fd, buf, sizeof buf);
    if (n <= 0) {
      std::cerr << "fcgi-client: connection closed before the end of the response"
                << (n < 0 ? std::string(": ") + std::strerror(errno) : std::string()) << "\n";
      return false;
    }
    pending.append(buf, static_cast<size_t>(n));
  }
}

void writeStream(int fd, const std::string& data) {
  if (!data.empty()) (void)fcgi::writeAll(fd, data.data(), data.size());
}

int getValues(int fd) {
  constexpr std::string_view names[] = {fcgi::kMaxConnsName, fcgi::kMaxReqsName,
                                        fcgi::kMpxsConnsName};
  std::string query;
  fcgi::appendGetValues(query, names);
  if (!fcgi::writeAll(fd, query.data(), query.size())) {
    std::cerr << "fcgi-client: send failed: " << std::strerror(errno) << "\n";
    return kExitConnect;
  }
  fcgi::ResponseReader reader(fcgi::kManagementRequestId);
  std::string pending;
  if (!awaitResponse(fd, reader, pending)) return kExitProtocol;
  for (const auto& [name, value] : reader.values()) std::cout << name << "=" << value << "\n";
  return 0;
}

int run(const Options& options) {
  UniqueFd fd = connectTo(options.address);
  if (!fd) return kExitConnect;
  if (options.get_values) return getValues(fd.get());

  std::string body;
  fcgi::ParamList params = options.params;
  if (options.stdin_file) {
    auto data = readBody(*options.stdin_file);
    if (!data) {
      std::cerr << "fcgi-client: cannot read " << *options.stdin_file << "\n";
      return kExitUsage;
    }
    body = std::move(*data);
    bool has_length = false;
    for (const auto& param : params) has_length |= param.first == "CONTENT_LENGTH";
    if (!has_length) params.emplace_back("CONTENT_LENGTH", std::to_string(body.size()));
  }

  const auto id = static_cast<uint16_t>(options.request_id);
  fcgi::ResponseReader reader(id);
  std::string pending;
  int status = 0;
  for (int i = 0; i < options.repeat; ++i) {
    bool keep = options.keep_conn || i + 1 < options.repeat;
    std::string request;
    fcgi::appendBeginRequest(request, id, static_cast<fcgi::Role>(options.role), keep);
    fcgi::appendParams(request, id, params);
    fcgi::appendStdin(request, id, body);
    if (!fcgi::writeAll(fd.get(), request.data(), request.size())) {
      std::cerr << "fcgi-client: send failed: " << std::strerror(errno) << "\n";
      return kExitConnect;
    }
    reader.reset(id);
    bool complete = awaitResponse(fd.get(), reader, pending);
    writeStream(STDOUT_FILENO, reader.out());
    writeStream(STDERR_FILENO, reader.err());
    if (!complete) return kExitProtocol;
    if (reader.protocolStatus() != fcgi::ProtocolStatus::RequestComplete) {
      std::cerr << "fcgi-client: request ended with protocol status "
                << static_cast<int>(reader.protocolStatus()) << "\n";
      status = kExitProtocol;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto options = fpmd::fcgi_client::parseArgs(std::vector<std::string>(argv, argv + argc), error);
  if (!options) {
    if (error.empty()) {
      std::cout << fpmd::fcgi_client::kUsage;
      return 0;
    }
    std::cerr << "fcgi-client: " << error << "\n" << fpmd::fcgi_client::kUsage;
    return kExitUsage;
  }
  return run(*options);
}
