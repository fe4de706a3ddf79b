// The network half of seed 000's sysctl.conf, audited: the accept queue (somaxconn against
// listen.backlog), the local ports and TIME_WAIT for TCP listeners, and the two lines that
// break hosts (tcp_tw_recycle, tcp_fin_timeout = 1).

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "audit/checks.h"

namespace fpmd::audit {
namespace {

struct TcpListener {
  std::string what;  // "[www] listen = 127.0.0.1:9000"
  int port = 0;
  bool loopback = false;
};

bool isLoopback(const net::ListenAddress& address) {
  switch (address.kind) {
    case net::ListenAddress::Kind::Inet:
      return address.host.rfind("127.", 0) == 0 || address.host == "localhost";
    case net::ListenAddress::Kind::Inet6:
      return address.host == "::1";
    default:
      return false;
  }
}

std::vector<TcpListener> tcpListeners(const config::Config& config) {
  std::vector<TcpListener> listeners;
  for (const config::PoolConfig& pool : config.pools) {
    if (!pool.listen_address.isUnix()) {
      listeners.push_back({fmt::format("[{}] listen = {}", pool.name, pool.listen),
                           pool.listen_address.port, isLoopback(pool.listen_address)});
    }
    if (pool.status_listen_address && !pool.status_listen_address->isUnix()) {
      listeners.push_back(
          {fmt::format("[{}] pm.status_listen = {}", pool.name, pool.pm_status_listen),
           pool.status_listen_address->port, isLoopback(*pool.status_listen_address)});
    }
  }
  return listeners;
}

Check noTcp(std::string name, std::string found, std::string_view what) {
  Check check;
  check.name = std::move(name);
  check.found = std::move(found);
  check.needed = "-";
  check.message =
      fmt::format("no TCP listener (unix sockets only): {} does not concern them", what);
  return check;
}

/// net.ipv4.ip_local_reserved_ports ("8080,9000-9010") as ranges; bad parts are skipped.
std::vector<std::pair<int64_t, int64_t>> portRanges(std::string_view text) {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\n')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\n')) part.remove_suffix(1);
    size_t dash = part.find('-');
    int64_t low = 0, high = 0;
    std::string_view first = part.substr(0, dash);
    if (std::from_chars(first.data(), first.data() + first.size(), low).ec != std::errc()) {
      continue;
    }
    high = low;
    if (dash != std::string_view::npos) {
      std::string_view second = part.substr(dash + 1);
      if (std::from_chars(second.data(), second.data() + second.size(), high).ec != std::errc()) {
        continue;
      }
    }
    ranges.emplace_back(low, high);
  }
  return ranges;
}

}  // namespace

Check somaxconnCheck(const config::Config& config, const Readings& readings) {
  if (!readings.somaxconn) {
    return unreadable("net.core.somaxconn", "/proc/sys/net/core/somaxconn",
                      "sysctl net.core.somaxconn");
  }
  Check check;
  check.name = "net.core.somaxconn";
  const int64_t somaxconn = *readings.somaxconn;
  check.found = fmt::to_string(somaxconn);
  int64_t needed = 0;
  std::string needed_by;
  std::vector<std::string> short_pools;
  for (const config::PoolConfig& pool : config.pools) {
    int64_t wanted = pool.listen_backlog < 0 ? kMinimumBacklog : pool.listen_backlog;
    std::string what =
        pool.listen_backlog < 0
            ? fmt::format(
                  "[{}] listen.backlog = -1 (the kernel's somaxconn; php-fpm 8.1 and "
                  "older used {})",
                  pool.name, kMinimumBacklog)
            : fmt::format("[{}] listen.backlog = {}", pool.name, pool.listen_backlog);
    if (wanted > needed) {
      needed = wanted;
      needed_by = what;
    }
    if (wanted <= somaxconn) continue;
    short_pools.push_back(
        pool.listen_backlog < 0
            ? fmt::format("[{}] listen.backlog = -1 gives a queue of only {}", pool.name, somaxconn)
            : fmt::format("[{}] listen.backlog = {} is cut to {}", pool.name, pool.listen_backlog,
                          somaxconn));
  }
  check.needed = needed == 0 ? "-" : fmt::format("at least {}: {}", needed, needed_by);
  if (short_pools.empty()) {
    check.message =
        "every pool's accept queue fits under it (a larger listen.backlog is cut to it "
        "without a word)";
    return check;
  }
  check.level = Level::Warn;
  check.message = fmt::format(
      "{}, as the kernel caps the accept queue at net.core.somaxconn without a word: a burst "
      "past it gets EAGAIN on a unix socket (nginx answers 502) or dropped SYNs on TCP",
      fmt::join(short_pools, "; "));
  check.fix = sysctlFix("net.core.somaxconn", fmt::to_string(needed)) +
              ", then restart fpmd (a reload keeps the listening sockets and their queue)";
  return check;
}

Check portRangeCheck(const config::Config& config, const Readings& readings) {
  const char* name = "net.ipv4.ip_local_port_range";
  std::vector<TcpListener> listeners = tcpListeners(config);
  const auto& range = readings.local_port_range;
  if (range && range->size() != 2) return unreadable(name, name, "sysctl " + std::string(name));
  std::string found = range ? fmt::format("{}-{} ({} ports)", (*range)[0], (*range)[1],
                                          (*range)[1] - (*range)[0] + 1)
                            : "unreadable";
  if (listeners.empty()) return noTcp(name, found, "the local port range");
  if (!range)
    return unreadable(name, "/proc/sys/net/ipv4/ip_local_port_range",
                      "sysctl " + std::string(name));
  Check check;
  check.name = name;
  const int64_t low = (*range)[0], high = (*range)[1];
  const int64_t width = high - low + 1;
  std::string reserved = readings.local_reserved_ports.value_or("");
  std::vector<std::pair<int64_t, int64_t>> reserved_ranges = portRanges(reserved);
  check.found = found;
  if (!reserved.empty()) check.found += fmt::format(", reserved {}", reserved);

  std::vector<std::string> inside;
  std::vector<int> inside_ports;
  for (const TcpListener& listener : listeners) {
    if (listener.port < low || listener.port > high) continue;
    bool is_reserved = std::any_of(reserved_ranges.begin(), reserved_ranges.end(), [&](auto r) {
      return listener.port >= r.first && listener.port <= r.second;
    });
    if (is_reserved) continue;
    inside.push_back(listener.what);
    if (std::find(inside_ports.begin(), inside_ports.end(), listener.port) == inside_ports.end()) {
      inside_ports.push_back(listener.port);
    }
  }
  check.needed = fmt::format(
      "listen ports outside it or in net.ipv4.ip_local_reserved_ports; at least {} ports",
      kMinimumPortRange);
  std::vector<std::string> messages, fixes;
  if (!inside.empty()) {
    messages.push_back(fmt::format(
        "{} inside the range for outgoing connections: one of them (to the database, to "
        "another upstream) may take the port while fpmd restarts, and its bind() then fails "
        "with \"Address already in use\"",
        fmt::join(inside, ", ")));
    std::string ports = fmt::format("{}", fmt::join(inside_ports, ","));
    fixes.push_back(sysctlFix("net.ipv4.ip_local_reserved_ports",
                              reserved.empty() ? ports : reserved + "," + ports));
  }
  if (width < kMinimumPortRange) {
    messages.push_back(fmt::format(
        "only {} local ports: a connection closed from the connecting side holds its port for "
        "60 s in TIME_WAIT, so a client that opens one connection a request (nginx without "
        "fastcgi_keep_conn) runs out near {} connections a second to one address",
        width, width / 60));
    fixes.push_back(sysctlFix("net.ipv4.ip_local_port_range", "32768 60999"));
  }
  if (messages.empty()) {
    check.message = fmt::format(
        "{} local ports for outgoing connections, and the TCP listen ports are outside them",
        width);
    return check;
  }
  check.level = Level::Warn;
  check.message = fmt::format("{}", fmt::join(messages, "; "));
  check.fix = fmt::format("{}", fmt::join(fixes, "; "));
  return check;
}

Check twReuseCheck(const config::Config& config, const Readings& readings) {
  const char* name = "net.ipv4.tcp_tw_reuse";
  std::vector<TcpListener> listeners = tcpListeners(config);
  std::string found = readings.tcp_tw_reuse ? fmt::to_string(*readings.tcp_tw_reuse) : "unreadable";
  if (listeners.empty()) return noTcp(name, found, "TIME_WAIT reuse");
  if (!readings.tcp_tw_reuse) {
    return unreadable(name, "/proc/sys/net/ipv4/tcp_tw_reuse", "sysctl net.ipv4.tcp_tw_reuse");
  }
  Check check;
  check.name = name;
  check.found = found;
  if (readings.tcp_timestamps) {
    check.found += fmt::format(" (tcp_timestamps = {})", *readings.tcp_timestamps);
  }
  const int64_t reuse = *readings.tcp_tw_reuse;
  bool all_loopback = std::all_of(listeners.begin(), listeners.end(),
                                  [](const TcpListener& listener) { return listener.loopback; });
  bool enough = reuse == 1 || (all_loopback && reuse == 2);
  check.needed = all_loopback ? "1, or 2 (loopback only, the kernel's default): the listeners "
                                "are on loopback"
                              : "1 on the host nginx runs on, with net.ipv4.tcp_timestamps = 1";
  std::vector<std::string> names;
  for (const TcpListener& listener : listeners) names.push_back(listener.what);
  if (!enough) {
    check.level = Level::Warn;
    check.message = fmt::format(
        "{} on TCP: nginx opens a connection a request unless fastcgi_keep_conn is on, and a "
        "connection the connecting side closes holds its local port for 60 s in TIME_WAIT; "
        "tcp_tw_reuse = 1 lets new outgoing connections take such ports again safely ({}). "
        "It is nginx's host that needs it; fastcgi_keep_conn on with an upstream keepalive "
        "avoids the churn altogether",
        fmt::join(names, ", "), reuse == 2 ? "2 does it for loopback only" : "0 never does");
    check.fix = sysctlFix(name, "1") +
                " (on nginx's host), or fastcgi_keep_conn on and keepalive N in nginx's upstream";
    return check;
  }
  if (readings.tcp_timestamps && *readings.tcp_timestamps == 0) {
    check.level = Level::Warn;
    check.message =
        "tcp_tw_reuse takes a TIME_WAIT port again only when TCP timestamps show the new "
        "connection is newer: with net.ipv4.tcp_timestamps = 0 (seed 000's sysctl.conf sets "
        "both) it does nothing";
    check.fix = sysctlFix("net.ipv4.tcp_timestamps", "1");
    return check;
  }
  check.message = fmt::format("{} on TCP: new outgoing connections may reuse TIME_WAIT ports",
                              fmt::join(names, ", "));
  return check;
}

Check twRecycleCheck(const Readings& readings) {
  Check check;
  check.name = "net.ipv4.tcp_tw_recycle";
  check.needed = "absent, or 0";
  if (!readings.tcp_tw_recycle) {
    check.found = "absent";
    check.message =
        "removed in Linux 4.12, do not set it: seed 000's sysctl.conf still does, and "
        "sysctl -p reports an error for a key the kernel lacks";
    return check;
  }
  check.found = fmt::to_string(*readings.tcp_tw_recycle);
  if (*readings.tcp_tw_recycle == 0) {
    check.message = "0: keep it so (this kernel is older than 4.12, which removed it)";
    return check;
  }
  check.level = Level::Fail;
  check.message =
      "tcp_tw_recycle = 1 drops connections from clients behind NAT (their TCP timestamps do "
      "not increase together), which is why Linux 4.12 removed it: seed 000's advice breaks "
      "hosts";
  check.fix =
      "sysctl -w net.ipv4.tcp_tw_recycle=0, and delete the line from /etc/sysctl.conf and "
      "/etc/sysctl.d/";
  return check;
}

Check finTimeoutCheck(const Readings& readings) {
  const char* name = "net.ipv4.tcp_fin_timeout";
  if (!readings.tcp_fin_timeout) {
    return unreadable(name, "/proc/sys/net/ipv4/tcp_fin_timeout", "sysctl " + std::string(name));
  }
  Check check;
  check.name = name;
  const int64_t seconds = *readings.tcp_fin_timeout;
  check.found = fmt::to_string(seconds);
  check.needed = fmt::format("at least {} (the kernel's default is 60)", kMinimumFinTimeout);
  if (seconds >= kMinimumFinTimeout) {
    check.message = fmt::format(
        "closed sockets wait up to {} s in FIN_WAIT_2 for the peer's FIN (TIME_WAIT is another "
        "state, 60 s in the kernel)",
        seconds);
    return check;
  }
  check.level = Level::Warn;
  check.message = fmt::format(
      "tcp_fin_timeout = {} does not shorten TIME_WAIT (fixed at 60 s in the kernel), as the "
      "advice copying it believes: it cuts how long a closed socket waits in FIN_WAIT_2 for "
      "the peer's FIN, so peers on slow links get a reset instead of a clean close",
      seconds);
  check.fix = fmt::format("sysctl -w {}=60, and delete the line from /etc/sysctl.conf", name);
  return check;
}

}  // namespace fpmd::audit
