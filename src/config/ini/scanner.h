#pragma once

// One line of php-fpm.conf, scanned and parsed as PHP's INI scanner does in
// ZEND_INI_SCANNER_NORMAL mode (Zend/zend_ini_scanner.l and zend_ini_parser.y, PHP 8.2).
// PHP-FPM hands every line to zend_parse_ini_string() on its own, so a directive cannot
// span lines; this reproduces that grammar for a single line, including booleans
// (yes/on/true → "1", no/off/false/none/null → ""), quoting, ${ENV} expansion, constants
// and the | & ^ ~ ! operators, and bison's "syntax error, ..." wording.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fpmd::config::ini {

/// What a parsed line yields, in order, as PHP's parser callbacks would see them.
class IniHandler {
 public:
  virtual ~IniHandler() = default;
  virtual void section(const std::string& name) = 0;
  /// `value` is empty-optional for a bare label ("foo" alone on a line).
  virtual void entry(const std::string& name, const std::optional<std::string>& value) = 0;
  /// name[key] = value
  virtual void arrayEntry(const std::string& name, const std::string& key,
                          const std::string& value) = 0;
};

/// Looks a name up; nullopt when it is not defined.
using Lookup = std::function<std::optional<std::string>(const std::string&)>;

struct IniScanOptions {
  Lookup env;       // ${NAME}: an undefined variable expands to ""
  Lookup constant;  // bare identifiers in a value (E_ALL, ...); undefined ones stay literal
};

/// Parses one line (PHP-FPM appends the newline; text after a NUL byte is ignored, as
/// zend_parse_ini_string only sees a C string). Returns the syntax error text, worded as
/// PHP prints it ("syntax error, unexpected '=' in Unknown on line 1"), or nullopt.
/// Handler calls made before the error stay made, as with PHP's LALR parser.
std::optional<std::string> parseIniLine(std::string_view line, const IniScanOptions& options,
                                        IniHandler& handler);

/// PHP's predefined E_* error-level constants, the ones FPM configs use in values.
std::optional<std::string> builtinConstant(const std::string& name);

}  // namespace fpmd::config::ini
