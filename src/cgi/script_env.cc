#include "cgi/script_env.h"

#include "cgi/url_decode.h"

#include <strings.h>

#include <cstdlib>

#include <fmt/format.h>

// The control flow below follows init_request_info() step by step on purpose: its outcome
// depends on details such as which copy of a value a later step sees, and the comments say
// where PHP-FPM's C pointer aliasing decides the result.

namespace fpmd::cgi {
namespace {

using OptStr = std::optional<std::string>;

constexpr std::string_view kProxyFcgiPrefix = "proxy:fcgi://";
constexpr std::string_view kProxyBalancerPrefix = "proxy:balancer://";

/// PHP-FPM reads params as C strings: a value ends at its first NUL byte.
OptStr getParam(const Params& params, std::string_view name) {
  const std::string* value = params.find(name);
  if (value == nullptr) return std::nullopt;
  return value->substr(0, value->find('\0'));
}

/// FCGI_PUTENV: a null value deletes the param.
void putParam(Params& params, std::string_view name, const OptStr& value) {
  if (value) {
    params.set(std::string(name), *value);
  } else {
    params.erase(name);
  }
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

/// Apache mod_proxy_fcgi / mod_proxy_balancer send "proxy:fcgi://host:port/path?query".
/// Strips the scheme and host when a path follows, and any query. Returns whether a path
/// followed (PHP-FPM's apache_was_here).
bool stripApacheProxyPrefix(std::string& filename, std::string_view prefix) {
  if (!startsWithNoCase(filename, prefix)) return false;
  bool stripped = false;
  size_t slash = filename.find('/', prefix.size());
  if (slash != std::string::npos) {
    filename.erase(0, slash);
    stripped = true;
  }
  // Cut even when no path followed: PHP-FPM does.
  size_t query = filename.find('?');
  if (query != std::string::npos) filename.resize(query);
  return stripped;
}

bool endsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// is_valid_path(): a ".." path component makes PHP-FPM refuse the script.
bool isValidPath(const std::string& path) {
  for (size_t i = path.find(".."); i != std::string::npos; i = path.find("..", i + 1)) {
    bool starts = i == 0 || path[i - 1] == '/';
    bool ends = i + 2 == path.size() || path[i + 2] == '/';
    if (starts && ends) return false;
  }
  return true;
}

/// Truncates `pt` at its last '/' (or, when none is left, its last '\\'); false when there
/// is neither.
bool cutLastComponent(std::string& pt) {
  size_t cut = pt.rfind('/');
  if (cut == std::string::npos) cut = pt.rfind('\\');
  if (cut == std::string::npos) return false;
  pt.resize(cut);
  return true;
}

/// atol(): leading blanks, a sign, digits; 0 when there are none.
long parseContentLength(const OptStr& value) {
  return value ? std::strtol(value->c_str(), nullptr, 10) : 0;
}

/// The state init_request_info() carries through its fix_pathinfo branch.
struct Env {
  Params& params;
  ScriptInfo& info;
  OptStr script_path_translated{};
  OptStr path_info{};
  OptStr script_name{};
  OptStr path_translated{};
  OptStr document_root{};
  // The values as the web server sent them (after the IIS and Apache fixes).
  OptStr orig_path_info{};
  OptStr orig_script_name{};
  OptStr orig_script_filename{};
  OptStr orig_path_translated{};
  bool apache = false;
};

/// Sets ORIG_<name> to the original value when there was one, then <name> to `value`.
void replaceWithOrig(Env& env, std::string_view name, const OptStr& orig, const OptStr& value) {
  if (orig) env.params.set("ORIG_" + std::string(name), *orig);
  putParam(env.params, name, value);
}

/// The script was found at `pt`, a prefix of the requested path (`requested` chars long);
/// the rest is path info.
void applyFoundScript(Env& env, const std::string& pt, size_t requested) {
  const size_t slen = requested - pt.size();
  OptStr path_info;
  bool changed;
  if (env.apache) {
    // mod_proxy_fcgi sends no PATH_INFO: take it from the stripped part of the filename.
    path_info = env.script_path_translated->substr(pt.size());
    changed = slen != 0 && (!env.orig_path_info || *env.orig_path_info != *path_info);
  } else {
    // A PATH_INFO longer than the stripped part (Apache mod_fastcgi sends the script name in
    // it) keeps only its tail. A shorter or equal one is left alone.
    if (env.path_info && env.path_info->size() > slen) {
      path_info = env.path_info->substr(env.path_info->size() - slen);
    }
    changed = path_info.has_value();
  }

  if (changed) {
    if (env.orig_path_info) {
      env.params.set("ORIG_PATH_INFO", *env.orig_path_info);
      // The part of PATH_INFO before the new path info names the script. With Apache the
      // new path info came from the filename, so PHP-FPM compares the whole PATH_INFO.
      std::string head =
          env.apache ? *env.path_info : env.path_info->substr(0, env.path_info->size() - slen);
      if (!env.orig_script_name || *env.orig_script_name != head) {
        replaceWithOrig(env, "SCRIPT_NAME", env.orig_script_name, head);
        env.info.request_uri = head;
      } else {
        env.info.request_uri = env.orig_script_name;
      }
    } else if (env.apache && env.script_name) {
      // ProxyPass puts the path info in SCRIPT_NAME too: cut it off there. The filename
      // keeps it URL-encoded ("/x.php/a%20b") where SCRIPT_NAME has it decoded ("/x.php/a b"),
      // so PHP-FPM also compares the decoded form when the path info has a "%".
      std::string& name = *env.script_name;
      size_t cut = 0;
      if (name.size() > slen && endsWith(name, *path_info)) {
        cut = slen;
      } else if (path_info->find('%') != std::string::npos) {
        std::string decoded = urlDecode(*path_info);
        if (name.size() > decoded.size() && endsWith(name, decoded)) cut = decoded.size();
      }
      if (cut > 0) {
        env.params.set("ORIG_SCRIPT_NAME", *env.orig_script_name);
        name.resize(name.size() - cut);
        env.params.set("SCRIPT_NAME", name);
        env.info.request_uri = name;
      }
    }
    env.path_info = path_info;
    putParam(env.params, "PATH_INFO", path_info);
  }

  if (!env.orig_script_filename || *env.orig_script_filename != pt) {
    replaceWithOrig(env, "SCRIPT_FILENAME", env.orig_script_filename, pt);
    env.script_path_translated = pt;
  }

  const std::string path_info_text = env.path_info.value_or("");
  if (env.document_root) {
    // PATH_TRANSLATED = DOCUMENT_ROOT (less one trailing slash) + PATH_INFO.
    std::string_view root = *env.document_root;
    if (!root.empty() && root.back() == '/') root.remove_suffix(1);
    replaceWithOrig(env, "PATH_TRANSLATED", env.orig_path_translated,
                    std::string(root) + path_info_text);
  } else if (env.script_name && pt.find(*env.script_name) != std::string::npos) {
    // PATH_TRANSLATED = SCRIPT_FILENAME - SCRIPT_NAME + PATH_INFO, by lengths only.
    replaceWithOrig(env, "PATH_TRANSLATED", env.orig_path_translated,
                    pt.substr(0, pt.size() - env.script_name->size()) + path_info_text);
  }
}

/// The requested path does not exist (or ends with '/'): walk back through its '/' until a
/// regular file is found; the rest becomes path info.
void walkBack(Env& env, const StatFn& stat) {
  std::string pt = *env.script_path_translated;
  const size_t requested = pt.size();
  bool found = false;
  while (cutLastComponent(pt)) {
    if (stat(pt) == FileKind::Regular) {
      applyFoundScript(env, pt, requested);
      found = true;
      break;
    }
  }
  if (!found) {
    replaceWithOrig(env, "SCRIPT_FILENAME", env.orig_script_filename, std::nullopt);
    env.script_path_translated.reset();
  }
  if (!env.info.request_uri) {
    if (!env.orig_script_name || env.orig_script_name != env.script_name) {
      replaceWithOrig(env, "SCRIPT_NAME", env.orig_script_name, env.script_name);
      env.info.request_uri = env.script_name;
    } else {
      env.info.request_uri = env.orig_script_name;
    }
  }
}

void fixPathInfo(Env& env, const PathRules& rules, const StatFn& stat) {
  const OptStr redirect_url = getParam(env.params, "REDIRECT_URL");
  env.document_root = getParam(env.params, "DOCUMENT_ROOT");
  env.orig_path_translated = env.path_translated;
  env.orig_path_info = env.path_info;
  env.orig_script_name = env.script_name;
  env.orig_script_filename = getParam(env.params, "SCRIPT_FILENAME");

  if (!env.document_root && !rules.doc_root.empty()) {
    env.document_root = rules.doc_root;
    env.params.set("DOCUMENT_ROOT", rules.doc_root);
  }

  // Apache mod_fastcgi with an Action: SCRIPT_FILENAME and SCRIPT_NAME name the PHP
  // binary, PATH_TRANSLATED and REDIRECT_URL the script. PHP-FPM then tells a replaced
  // SCRIPT_NAME by pointer, not by value: `script_name_redirected` stands for that.
  bool script_name_redirected = false;
  if (!env.apache && env.path_translated && redirect_url &&
      *env.path_translated != *env.script_path_translated) {
    env.script_path_translated = env.path_translated;
    env.script_name = redirect_url;
    script_name_redirected = true;
  }

  const std::string& spt = *env.script_path_translated;
  if (!spt.empty() && (spt.back() == '/' || stat(spt) == FileKind::Missing)) {
    walkBack(env, stat);
    return;
  }

  // The file exists: only remember the originals of what changed.
  if (!env.orig_script_filename || spt != *env.orig_script_filename) {
    replaceWithOrig(env, "SCRIPT_FILENAME", env.orig_script_filename, spt);
  }
  if (!env.apache && redirect_url) {
    if (env.orig_path_info) replaceWithOrig(env, "PATH_INFO", env.orig_path_info, std::nullopt);
    if (env.orig_path_translated) {
      replaceWithOrig(env, "PATH_TRANSLATED", env.orig_path_translated, std::nullopt);
    }
  }
  if (script_name_redirected) {
    replaceWithOrig(env, "SCRIPT_NAME", env.orig_script_name, env.script_name);
  }
  env.info.request_uri = env.script_name;
}

}  // namespace

ScriptInfo resolveScript(Params& params, const PathRules& rules, const StatFn& stat) {
  ScriptInfo info;
  info.request_method = getParam(params, "REQUEST_METHOD");

  OptStr script_filename = getParam(params, "SCRIPT_FILENAME");
  OptStr path_translated = getParam(params, "PATH_TRANSLATED");
  // Some servers (IIS) send the script in PATH_TRANSLATED only.
  if (!script_filename && !path_translated) return info;

  Env env{params, info};
  env.path_translated = path_translated;
  env.path_info = getParam(params, "PATH_INFO");
  env.script_name = getParam(params, "SCRIPT_NAME");

  // IIS sends PATH_INFO with SCRIPT_NAME in front of it.
  const OptStr server_software = getParam(params, "SERVER_SOFTWARE");
  if (server_software && env.script_name && env.path_info &&
      server_software->starts_with("Microsoft-IIS") &&
      env.path_info->starts_with(*env.script_name)) {
    params.set("ORIG_PATH_INFO", *env.path_info);
    std::string rest = env.path_info->substr(env.script_name->size());
    env.path_info = rest.empty() ? std::nullopt : OptStr(rest);
    putParam(params, "PATH_INFO", env.path_info);
  }

  if (script_filename) {
    // PHP-FPM strips the prefix in the param's own buffer, so SCRIPT_FILENAME in $_SERVER
    // shows the stripped path even when nothing else changes it.
    const std::string sent = *script_filename;
    env.apache = stripApacheProxyPrefix(*script_filename, kProxyFcgiPrefix);
    env.apache = stripApacheProxyPrefix(*script_filename, kProxyBalancerPrefix) || env.apache;
    if (*script_filename != sent) params.set("SCRIPT_FILENAME", *script_filename);
  }
  env.script_path_translated = script_filename ? script_filename : path_translated;

  if (rules.fix_pathinfo) {
    fixPathInfo(env, rules, stat);
  } else {
    // PHP's pre-4.3 behaviour, kept by PHP-FPM for compatibility.
    info.request_uri = env.path_info ? env.path_info : env.script_name;
    if (!rules.discard_path && path_translated) env.script_path_translated = path_translated;
  }

  if (env.script_path_translated && isValidPath(*env.script_path_translated)) {
    info.path_translated = env.script_path_translated;
  }
  info.query_string = getParam(params, "QUERY_STRING");
  info.content_type = getParam(params, "CONTENT_TYPE").value_or("");
  info.content_length = parseContentLength(getParam(params, "CONTENT_LENGTH"));
  return info;
}

std::string phpSelf(const Params& params, const PathRules& rules, const ScriptInfo& info) {
  std::string self = info.request_uri.value_or("");
  if (rules.fix_pathinfo) self += getParam(params, "PATH_INFO").value_or("");
  return self;
}

bool extensionAllowed(std::string_view script_path, const std::vector<std::string>& allowed) {
  if (allowed.empty()) return true;
  for (const std::string& ext : allowed) {
    if (script_path.size() > ext.size() && script_path.ends_with(ext)) return true;
  }
  return false;
}

std::string extensionDeniedMessage(std::string_view script_path) {
  return fmt::format("Access to the script '{}' has been denied (see security.limit_extensions)",
                     script_path);
}

}  // namespace fpmd::cgi
