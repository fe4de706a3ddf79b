#pragma once

// Kernel parameters by their sysctl(8) names ("net.core.somaxconn"), read from /proc/sys.
// `fpmd --check-system` audits them against the config; nothing here writes them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fpmd::os {

class Sysctl {
 public:
  /// Where the tree is: /proc/sys, or a directory of a test's own.
  explicit Sysctl(std::string root = "/proc/sys");

  /// The file of `name`: dots become slashes (net.core.somaxconn → <root>/net/core/somaxconn).
  /// A name that already holds a slash is a path as it is, as sysctl(8) takes it for parts
  /// that contain dots themselves (net/ipv4/conf/eth0.100/rp_filter).
  std::string pathOf(std::string_view name) const;

  /// The value without its trailing newline; nullopt when the file is absent (a parameter
  /// this kernel does not have, such as tcp_tw_recycle since Linux 4.12) or unreadable.
  std::optional<std::string> text(std::string_view name) const;

  /// The value's whitespace-separated integers ("32768\t60999"); nullopt when it cannot be
  /// read or holds anything else.
  std::optional<std::vector<int64_t>> integers(std::string_view name) const;

  /// A value of exactly one integer.
  std::optional<int64_t> integer(std::string_view name) const;

 private:
  std::string root_;
};

/// Whitespace-separated integers; nullopt when the text is empty or holds anything else.
std::optional<std::vector<int64_t>> parseIntegers(std::string_view text);

}  // namespace fpmd::os
