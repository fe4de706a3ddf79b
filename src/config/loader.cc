#include "config/loader.h"

#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/unique_fd.h"
#include "config/directives.h"
#include "config/paths.h"

namespace fpmd::config {
namespace {

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// PHP-FPM gives up on include chains deeper than this (the main file counts).
constexpr int kMaxRecursion = 5;

}  // namespace

Loader::Loader(Config& config, const LoadOptions& options, bool follow_includes)
    : config_(config), options_(options), follow_includes_(follow_includes) {
  scan_options_.env = options.env ? options.env : [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  scan_options_.constant = options.constant ? options.constant : ini::builtinConstant;
}

PoolConfig* Loader::pool() {
  return current_pool_ < 0 ? nullptr : &config_.pools[static_cast<size_t>(current_pool_)];
}

void Loader::failPlain(const std::string& message) {
  log::error("{}", message);
  if (!first_error_) first_error_ = message;
  error_ = true;
}

void Loader::fail(const std::string& message) {
  failPlain(fmt::format("[{}:{}] {}", filename_, lineno_, message));
}

bool Loader::expandPool(std::string& value) const {
  static constexpr std::string_view kToken = "$pool";
  if (value.find(kToken) == std::string::npos) return true;
  if (current_pool_ < 0) return false;
  const std::string& name = config_.pools[static_cast<size_t>(current_pool_)].name;
  std::string out;
  size_t from = 0;
  for (size_t at; (at = value.find(kToken, from)) != std::string::npos; from = at + kToken.size()) {
    out.append(value, from, at - from);
    out += name;
  }
  out.append(value, from);
  value = std::move(out);
  return true;
}

Status Loader::loadFile(const std::string& path) {
  if (path.empty()) {
    failPlain("configuration filename is empty");
    return makeError(*first_error_);
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    int saved = errno;
    log::write(log::Level::Error, fmt::format("failed to open configuration file '{}'", path),
               saved);
    if (!first_error_) first_error_ = fmt::format("failed to open configuration file '{}'", path);
    error_ = true;
    return makeError(*first_error_);
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      // PHP-FPM takes a read error (a directory given to -y: EISDIR) for an empty file and
      // goes on to "No pool defined"; naming the file and the errno says what is wrong.
      int saved = errno;
      std::string message = fmt::format("failed to open configuration file '{}'", path);
      log::write(log::Level::Error, message, saved);
      if (!first_error_) first_error_ = message;
      error_ = true;
      return makeError(*first_error_);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return loadText(text, path);
}

Status Loader::loadText(std::string_view text, const std::string& filename) {
  if (recursion_++ >= kMaxRecursion) {
    failPlain("failed to include more than 5 files recursively");
    return makeError(*first_error_);
  }
  Status status = loadLines(text, filename);
  --recursion_;
  return status;
}

Status Loader::loadLines(std::string_view text, const std::string& filename) {
  lineno_ = 0;
  size_t pos = 0;
  bool more = true;
  while (more) {
    ++lineno_;
    filename_ = filename;
    size_t nl = text.find('\n', pos);
    std::string_view line;
    if (nl == std::string_view::npos) {
      line = text.substr(pos);
      pos = text.size();
      more = false;
    } else {
      line = text.substr(pos, nl - pos);
      pos = nl + 1;
    }
    if (line.empty()) continue;
    std::string with_newline(line);
    with_newline += '\n';
    // PHP-FPM (through a C string) silently drops what follows a NUL byte; a value cut that
    // way is not what the file says, so it is refused.
    line_has_nul_ = line.find('\0') != std::string_view::npos;
    std::optional<std::string> syntax = ini::parseIniLine(with_newline, scan_options_, *this);
    filename_ = filename;
    if (!syntax && line_has_nul_ && !error_) fail("the line contains a NUL byte");
    line_has_nul_ = false;
    if (syntax) {
      // PHP prints INI syntax errors itself, unbuffered and without a log prefix, and names
      // no file ("in Unknown on line 1": the line number within the one-line string it was
      // given). fpmd keeps PHP's text and format but names the file and its line, as PHP
      // does for a php.ini.
      static constexpr std::string_view kUnknown = " in Unknown on line ";
      std::string text = *syntax;
      if (size_t at = text.rfind(kUnknown); at != std::string::npos) {
        text = fmt::format("{} in {} on line {}", text.substr(0, at), filename, lineno_);
      }
      std::string raw = fmt::format("PHP:  {}\n", text);
      int fd = log::target().kind == log::Target::Kind::Syslog ? 2 : log::target().fd;
      [[maybe_unused]] ssize_t ignored = ::write(fd, raw.data(), raw.size());
      if (!first_error_) first_error_ = raw.substr(0, raw.size() - 1);
      error_ = true;
    }
    if (error_) {
      pending_include_.reset();
      return makeError(*first_error_);
    }
    if (pending_include_) {
      std::string pattern = std::move(*pending_include_);
      pending_include_.reset();
      Status included = include(pattern);
      if (!included) return included;
    }
  }
  if (recursion_ == 1) config_.main_file_lines = lineno_;
  return {};
}

Status Loader::include(const std::string& pattern) {
  if (!follow_includes_) return {};
  std::string full =
      fullPath(pattern, options_.prefix.empty() ? options_.install_prefix : options_.prefix);
  std::string parent = filename_;
  glob_t g{};
  int rc = ::glob(full.c_str(), GLOB_ERR | GLOB_MARK, nullptr, &g);
  if (rc != 0) {
    ::globfree(&g);
    if (rc == GLOB_NOMATCH) {
      log::warning("Nothing matches the include pattern '{}' from {} at line {}.", full, parent,
                   lineno_);
      return {};
    }
    failPlain(fmt::format("Unable to globalize '{}' (ret={}) from {} at line {}.", full, rc, parent,
                          lineno_));
    return makeError(*first_error_);
  }
  for (size_t i = 0; i < g.gl_pathc; ++i) {
    std::string path = g.gl_pathv[i];
    if (path.empty() || path.back() == '/') continue;  // GLOB_MARK flags directories
    if (!loadFile(path)) {
      // lineno_ is whatever the nested load left there, as in PHP-FPM.
      log::error("Unable to include {} from {} at line {}", path, parent, lineno_);
      ::globfree(&g);
      return makeError(*first_error_);
    }
  }
  ::globfree(&g);
  return {};
}

void Loader::section(const std::string& name) {
  if (error_) return;
  if (equalsNoCase(name, "global")) {
    current_pool_ = -1;
    return;
  }
  std::string key = name;
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto [it, added] = pool_index_.try_emplace(key, config_.pools.size());
  if (added) {
    PoolConfig pool;
    pool.name = name;
    pool.section = Location{filename_, lineno_};
    config_.pools.push_back(std::move(pool));
  }
  current_pool_ = static_cast<int>(it->second);
}

void Loader::entry(const std::string& name, const std::optional<std::string>& value) {
  if (error_) return;
  if (!value) return fail("value is NULL for a ZEND_INI_PARSER_ENTRY");
  if (line_has_nul_) {
    return fail(
        fmt::format("unable to parse value for entry '{}': the value contains a NUL byte", name));
  }
  if (name == "include") {
    if (pending_include_) return fail("two includes at the same time !");
    pending_include_ = *value;
    return;
  }
  Location where{filename_, lineno_};
  auto apply = [&](auto* directive, auto& target) {
    if (!directive) return fail(fmt::format("unknown entry '{}'", name));
    std::string v = *value;
    Status status;
    if (directive->kind == ValueKind::String && !expandPool(v)) {
      status = makeError("Can't use '$pool' when the pool is not defined");
    } else {
      status = directive->apply(target, v);
    }
    if (!status) {
      return fail(
          fmt::format("unable to parse value for entry '{}': {}", directive->key, status.error()));
    }
    target.origins[std::string(directive->key)] = where;
  };
  if (PoolConfig* p = pool()) {
    apply(findPoolDirective(name), *p);
  } else {
    apply(findGlobalDirective(name), config_.global);
  }
}

void Loader::arrayEntry(const std::string& name, const std::string& key, const std::string& value) {
  if (error_) return;
  if (line_has_nul_) {
    return fail(
        fmt::format("unable to parse value for entry '{}[{}]': the value contains a NUL "
                    "byte",
                    name, key));
  }
  if (name == "access.suppress_path") {
    if (!key.empty()) fail("Keys provided to field 'access.suppress_path' are ignored");
    if (value.empty() || value[0] != '/') {
      // Both messages can come out for one line, as in PHP-FPM.
      log::error("[{}:{}] Values provided to field 'access.suppress_path' must begin with '/'",
                 filename_, lineno_);
      if (!first_error_) {
        first_error_ = fmt::format(
            "[{}:{}] Values provided to field 'access.suppress_path' must begin with '/'",
            filename_, lineno_);
      }
      error_ = true;
    }
    if (error_) return;
  } else if (key.empty()) {
    return fail(fmt::format("You must provide a key for field '{}'", name));
  }
  PoolConfig* p = pool();
  if (!p) return fail("Array are not allowed in the global section");

  std::string v = value;
  std::optional<std::string> error;
  auto flag = [&]() -> std::optional<std::string> {
    Result<bool> b = parseBoolean(value);
    if (!b) {
      error = b.error();
      return std::nullopt;
    }
    return std::string(*b ? "1" : "0");
  };
  auto plain = [&]() -> std::optional<std::string> {
    if (!expandPool(v)) {
      error = "Can't use '$pool' when the pool is not defined";
      return std::nullopt;
    }
    return v;
  };
  if (name == "env") {
    if (value.empty()) return fail("empty value");
    if (auto r = plain()) p->env.emplace_back(key, *r);
  } else if (name == "php_value") {
    if (auto r = plain()) p->php_values.push_back({key, *r});
  } else if (name == "php_admin_value") {
    if (auto r = plain()) p->php_admin_values.push_back({key, *r});
  } else if (name == "php_flag") {
    if (auto r = flag()) p->php_values.push_back({key, *r});
  } else if (name == "php_admin_flag") {
    if (auto r = flag()) p->php_admin_values.push_back({key, *r});
  } else if (name == "access.suppress_path") {
    if (auto r = plain()) p->access_suppress_path.push_back(*r);
  } else {
    return fail(fmt::format("unknown directive '{}'", name));
  }
  if (error) fail(fmt::format("error while parsing '{}[{}]' : {}", name, key, *error));
}

}  // namespace fpmd::config
