#pragma once

// The directive tables of [global] and pool sections: PHP-FPM's exact key names
// (matched case-insensitively, as fpm_conf.c does), a parser per key whose errors are
// FPM's texts, and whether fpmd acts on the setting yet.

#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"

namespace fpmd::config {

enum class ValueKind {
  String,  // "$pool" is expanded in it
  Other,
};

template <typename C>
struct Directive {
  std::string_view key;
  ValueKind kind;
  Status (*apply)(C& config, const std::string& value);
  /// false: accepted and validated, but fpmd ignores it for now and warns once when it is
  /// set. Flip to true when the feature lands.
  bool acted_on;
};

std::span<const Directive<GlobalConfig>> globalDirectives();
std::span<const Directive<PoolConfig>> poolDirectives();

/// Case-insensitive lookup; nullptr for an unknown key.
const Directive<GlobalConfig>* findGlobalDirective(std::string_view key);
const Directive<PoolConfig>* findPoolDirective(std::string_view key);

/// fpm_conf_set_boolean: after INI scanning only "1" and "" are valid.
Result<bool> parseBoolean(const std::string& value);
/// fpm_conf_set_integer: digits with an optional leading '-', then atoi().
Result<int> parseInteger(const std::string& value);
/// fpm_conf_set_time: an integer with an optional s/m/h/d suffix, in seconds.
Result<int> parseTime(const std::string& value);
/// A size in bytes: digits with an optional K, M or G (either case), as php.ini's
/// memory_limit is written.
Result<uint64_t> parseSize(const std::string& value);

}  // namespace fpmd::config
