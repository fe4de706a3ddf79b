#include "log/access_format.h"

#include <strings.h>

#include <algorithm>

#include <fmt/format.h>

namespace fpmd::log {
namespace {

// PHP-FPM keeps a {argument} in a 129-byte buffer.
constexpr size_t kMaxArgument = 128;

bool equalsNoCase(std::string_view a, const char* b) {
  std::string copy(a);
  return strcasecmp(copy.c_str(), b) == 0;
}

// Canonical modifier name for the codes that take one, or nullptr when not allowed.
const char* canonicalModifier(char code, std::string_view arg) {
  struct Alias {
    char code;
    const char* name;
    const char* canonical;
  };
  static constexpr Alias kAliases[] = {
      {'C', "total", "total"},        {'C', "user", "user"},         {'C', "system", "system"},
      {'d', "seconds", "seconds"},    {'d', "milli", "milli"},       {'d', "milliseconds", "milli"},
      {'d', "mili", "milli"},         {'d', "miliseconds", "milli"}, {'d', "micro", "micro"},
      {'d', "microseconds", "micro"}, {'M', "bytes", "bytes"},       {'M', "kilo", "kilo"},
      {'M', "kilobytes", "kilo"},     {'M', "mega", "mega"},         {'M', "megabytes", "mega"},
  };
  if (arg.empty()) {
    // Each code's first entry is its default.
    for (const auto& alias : kAliases) {
      if (alias.code == code) return alias.canonical;
    }
  }
  for (const auto& alias : kAliases) {
    if (alias.code == code && equalsNoCase(arg, alias.name)) return alias.canonical;
  }
  return nullptr;
}

// Checks one %-code at config time, as PHP-FPM's test pass does; may canonicalize `arg`.
Status checkCode(char code, std::string& arg) {
  switch (code) {
    case 'C':
    case 'd':
    case 'M': {
      const char* canonical = canonicalModifier(code, arg);
      if (canonical == nullptr) {
        const char* allowed = code == 'C' ? "'total', 'user' or 'system'"
                              : code == 'd'
                                  ? "'seconds', 'milli', 'milliseconds', 'micro' or 'microseconds'"
                                  : "'bytes', 'kilo', 'kilobytes', 'mega' or 'megabytes'";
        return makeError(
            fmt::format("only {} are allowed as a modifier for %{} ('{}')", allowed, code, arg));
      }
      arg = canonical;
      return {};
    }
    case 'e':
      if (arg.empty()) {
        return makeError(fmt::format(
            "the name of the environment variable must be set between embraces for %{}", code));
      }
      return {};
    case 'o':
      if (arg.empty()) {
        return makeError(
            fmt::format("the name of the header must be set between embraces for %{}", code));
      }
      return {};
    case 't':
    case 'T':
      return {};
    case '%':
    case 'f':
    case 'l':
    case 'm':
    case 'n':
    case 'p':
    case 'P':
    case 'q':
    case 'Q':
    case 'r':
    case 'R':
    case 's':
    case 'u':
      if (!arg.empty()) {
        return makeError(fmt::format("embrace is not allowed for modifier %{}", code));
      }
      return {};
    default:
      return makeError(fmt::format("Invalid token in the access.format (%{})", code));
  }
}

}  // namespace

Result<AccessFormat> AccessFormat::parse(std::string_view format) {
  AccessFormat parsed;
  std::string literal;
  auto flushLiteral = [&] {
    if (!literal.empty()) parsed.items_.push_back({0, std::move(literal)});
    literal.clear();
  };
  size_t i = 0;
  while (i < format.size()) {
    if (format[i] != '%') {
      literal += format[i++];
      continue;
    }
    ++i;
    std::string arg;
    // "%{a}{b}e" is legal: the last argument wins.
    while (i < format.size() && format[i] == '{') {
      size_t close = format.find('}', i + 1);
      // PHP-FPM also wants a character after the '}'.
      if (close == std::string_view::npos || close + 1 >= format.size()) {
        return makeError("missing closing embrace in the access.format");
      }
      arg = std::string(format.substr(i + 1, std::min(close - i - 1, kMaxArgument)));
      i = close + 1;
    }
    if (i >= format.size()) {
      parsed.trailing_percent_ = true;
      break;
    }
    char code = format[i++];
    if (Status status = checkCode(code, arg); !status) return makeError(status.error());
    flushLiteral();
    parsed.items_.push_back({code, std::move(arg)});
  }
  flushLiteral();
  return parsed;
}

}  // namespace fpmd::log
