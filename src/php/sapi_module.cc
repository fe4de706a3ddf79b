// The sapi_module_struct callbacks of the "fpm-fcgi" SAPI: how PHP reads the request
// (params, body, cookies) and writes the response (headers, body, messages), following
// PHP-FPM's fpm_main.c.
//
// These run inside PHP, often within zend_try (setjmp): php_handle_aborted_connection()
// may longjmp, so it is only ever called once no C++ object with a destructor is alive.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

extern "C" {
#include <SAPI.h>
#include <http_status_codes.h>
#include <php.h>
#include <php_main.h>
#include <php_variables.h>
}

#include "php/sapi_state.h"
#include "php/user_ini.h"

namespace fpmd::php {

FpmIni fpm_ini = {};

namespace {

ActiveRequest* g_active = nullptr;

// fcgi_write() buffers 8 KiB before it notices a closed request: output after
// fastcgi_finish_request() is dropped silently up to that much, then ends the script.
constexpr size_t kFinishedOutputBudget = 8 * 1024;

void (*g_php_import_environment)(zval*) = nullptr;

cgi::ResponseSink* activeSink() {
  return g_active && g_active->request ? g_active->request->sink : nullptr;
}

const std::string* findParam(std::string_view name) {
  if (!g_active || !g_active->request) return nullptr;
  return g_active->request->params.find(name);
}

// Writes response bytes; false means the client is gone (the caller then aborts).
bool writeResponse(std::string_view data) {
  cgi::ResponseSink* sink = activeSink();
  if (!sink) {
    // Start-up messages and -i/-m output: no request, so stdout as PHP-FPM does.
    return fwrite(data.data(), 1, data.size(), stdout) == data.size();
  }
  if (sink->finished()) {
    g_active->discarded_after_finish += data.size();
    return g_active->discarded_after_finish <= kFinishedOutputBudget;
  }
  return sink->writeOut(data);
}

size_t ubWrite(const char* str, size_t length) {
  if (!writeResponse(std::string_view(str, length))) {
    php_handle_aborted_connection();
    return 0;
  }
  return length;
}

void sapiFlush(void* /*server_context*/) {
  cgi::ResponseSink* sink = activeSink();
  if (!sink) {
    if (fflush(stdout) == EOF) php_handle_aborted_connection();
    return;
  }
  sapi_send_headers();
  if (sink->finished() || !sink->flush()) php_handle_aborted_connection();
}

bool isStatusHeader(const sapi_header_struct* h) {
  constexpr size_t kLen = sizeof("Status:") - 1;
  return h->header_len > kLen && strncasecmp(h->header, "Status:", kLen) == 0;
}

// The first line FPM sends when the status is not 200 (sapi_cgi_send_headers), or empty
// when a "Status:" header set by the script takes its place.
// PHP-FPM builds that line in a buffer of SAPI_CGI_MAX_HEADER_LENGTH (1024) bytes, NUL
// included: a longer "HTTP/1.1 404 ..." line given to header() comes out cut to 1023.
// A "Status:" header the script sets itself is sent as it is.
constexpr size_t kMaxStatusLine = 1023;

std::string statusLine(sapi_headers_struct* headers, int& response_status) {
  const int code = SG(sapi_headers).http_response_code;
  const char* status_line = SG(sapi_headers).http_status_line;
  if (fpm_ini.rfc2616_headers && status_line) {
    if (const char* space = strchr(status_line, ' ')) response_status = atoi(space + 1);
    return std::string(status_line, strnlen(status_line, kMaxStatusLine));
  }
  if (status_line) {
    const char* space = strchr(status_line, ' ');
    if (space && space - status_line >= 5 && strncasecmp(status_line, "HTTP/", 5) == 0) {
      response_status = atoi(space + 1);
      return (std::string("Status:") + space).substr(0, kMaxStatusLine);
    }
  }
  zend_llist_position pos;
  for (auto* h = static_cast<sapi_header_struct*>(zend_llist_get_first_ex(&headers->headers, &pos));
       h; h = static_cast<sapi_header_struct*>(zend_llist_get_next_ex(&headers->headers, &pos))) {
    if (isStatusHeader(h)) return {};
  }
  for (const auto* entry = http_status_map; entry->code != 0; ++entry) {
    if (entry->code == code) return "Status: " + std::to_string(code) + " " + entry->str;
  }
  return "Status: " + std::to_string(code);
}

std::string renderHeaders(sapi_headers_struct* headers) {
  std::string out;
  int response_status = SG(sapi_headers).http_response_code;
  bool status_sent = false;
  if (fpm_ini.nph || SG(sapi_headers).http_response_code != 200) {
    std::string line = statusLine(headers, response_status);
    if (!line.empty()) {
      out += line;
      out += "\r\n";
      status_sent = true;
    }
  }
  zend_llist_position pos;
  for (auto* h = static_cast<sapi_header_struct*>(zend_llist_get_first_ex(&headers->headers, &pos));
       h; h = static_cast<sapi_header_struct*>(zend_llist_get_next_ex(&headers->headers, &pos))) {
    if (h->header_len == 0) continue;  // an empty line would end the headers early
    if (isStatusHeader(h)) {
      if (status_sent) continue;
      status_sent = true;
    } else if (response_status == 304 && h->header_len > sizeof("Content-Type:") - 1 &&
               strncasecmp(h->header, "Content-Type:", sizeof("Content-Type:") - 1) == 0) {
      continue;  // a 304 carries no body, so no type either
    }
    out.append(h->header, h->header_len);
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

int sendHeaders(sapi_headers_struct* headers) {
  if (SG(request_info).no_headers == 1) return SAPI_HEADER_SENT_SUCCESSFULLY;
  bool written;
  {
    std::string block = renderHeaders(headers);
    written = writeResponse(block);
  }
  if (!written) php_handle_aborted_connection();
  return SAPI_HEADER_SENT_SUCCESSFULLY;
}

char* sapiGetenv(const char* name, size_t name_len) {
  if (!g_active) return getenv(name);
  const std::string* value = findParam(std::string_view(name, name_len));
  return value ? const_cast<char*>(value->c_str()) : nullptr;
}

size_t readPost(char* buffer, size_t count) {
  if (!g_active || !g_active->request) return 0;
  size_t remaining = SG(request_info).content_length - SG(read_post_bytes);
  if (remaining < count) count = remaining;
  size_t done = 0;
  while (done < count) {
    if (g_active->body_file_fd == -1) {
      const std::string* file = findParam("REQUEST_BODY_FILE");
      if (file && !file->empty()) {
        g_active->body_file_fd = open(file->c_str(), O_RDONLY | O_CLOEXEC);
        if (g_active->body_file_fd < 0) {
          int err = errno;
          php_error(E_WARNING, "REQUEST_BODY_FILE: open('%s') failed: %s (%d)", file->c_str(),
                    strerror(err), err);
          return 0;
        }
      } else {
        g_active->body_file_fd = -2;  // read the FastCGI stdin stream
      }
    }
    long got;
    if (g_active->body_file_fd >= 0) {
      got = read(g_active->body_file_fd, buffer + done, count - done);
    } else {
      cgi::BodySource* body = g_active->request->body;
      got = body ? body->read(buffer + done, count - done) : 0;
    }
    if (got <= 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

char* readCookies() {
  const std::string* cookie = findParam("HTTP_COOKIE");
  return cookie ? const_cast<char*>(cookie->c_str()) : nullptr;
}

// Registers every param into `array`. PHP-FPM's fcgi hash yields them newest first, so
// $_SERVER lists them in reverse arrival order; so do we.
void loadParams(zval* array, bool filtered) {
  if (!g_active || !g_active->request) return;
  const bool is_env = Z_TYPE(PG(http_globals)[TRACK_VARS_ENV]) == IS_ARRAY &&
                      Z_ARR_P(array) == Z_ARR(PG(http_globals)[TRACK_VARS_ENV]);
  const int filter_arg = is_env ? PARSE_ENV : PARSE_SERVER;
  const auto& entries = g_active->request->params.entries();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const char* name = it->first.c_str();
    if (!filtered) {
      php_register_variable_safe(name, it->second.data(), it->second.size(), array);
      continue;
    }
    // An input filter may free and replace the value, so it gets an emalloc'd copy.
    char* value = estrndup(it->second.data(), it->second.size());
    size_t new_len = 0;
    if (sapi_module.input_filter(filter_arg, name, &value, it->second.size(), &new_len)) {
      php_register_variable_safe(name, value, new_len, array);
    }
    efree(value);
  }
}

bool populated(int track) {
  return Z_TYPE(PG(http_globals)[track]) == IS_ARRAY &&
         zend_hash_num_elements(Z_ARRVAL(PG(http_globals)[track])) > 0;
}

// php_import_environment_variables: the worker's environment, then the params; once one
// of $_ENV/$_SERVER is built, the other is a copy of it (cgi_php_import_environment_…).
void importEnvironment(zval* array) {
  for (int track : {TRACK_VARS_ENV, TRACK_VARS_SERVER}) {
    if (populated(track) && Z_ARR_P(array) != Z_ARR(PG(http_globals)[track])) {
      zend_array_destroy(Z_ARR_P(array));
      Z_ARR_P(array) = zend_array_dup(Z_ARR(PG(http_globals)[track]));
      return;
    }
  }
  g_php_import_environment(array);
  loadParams(array, true);
}

// php_load_environment_variables: getenv() without arguments.
void loadEnvironment(zval* array) {
  g_php_import_environment(array);
  loadParams(array, false);
}

void registerVariables(zval* track_vars) {
  php_import_environment_variables(track_vars);
  if (!g_active) return;
  char* value;
  size_t length;
  {
    std::string self = cgi::phpSelf(g_active->request->params, g_active->rules, g_active->script);
    value = estrndup(self.data(), self.size());
    length = self.size();
  }
  size_t new_len = 0;
  if (sapi_module.input_filter(PARSE_SERVER, "PHP_SELF", &value, length, &new_len)) {
    php_register_variable_safe("PHP_SELF", value, new_len, track_vars);
  }
  efree(value);
}

void logMessage(const char* message, int /*syslog_type*/) {
  bool gone;
  {
    std::string line = std::string("PHP message: ") + message;
    gone = logPhpMessage(line);
  }
  if (gone) php_handle_aborted_connection();
}

int sapiDeactivate() {
  cgi::ResponseSink* sink = activeSink();
  if (SG(sapi_started) && sink && !sink->finished() && !sink->finish()) {
    php_handle_aborted_connection();
  }
  return SUCCESS;
}

// php_request_startup() calls it once path_translated is set: per-directory settings
// (.user.ini, [PATH=], [HOST=]) take effect before the script runs, as in PHP-FPM.
int sapiActivate() {
  if (SG(request_info).path_translated == nullptr) return FAILURE;
  activateDirectoryConfig();
  return SUCCESS;
}

int sapiStartup(sapi_module_struct* module) {
  return php_module_startup(module, &fpmPhpModule());
}

sapi_module_struct makeModule() {
  sapi_module_struct m{};
  m.name = const_cast<char*>("fpm-fcgi");
  m.pretty_name = const_cast<char*>("FPM/FastCGI");
  m.startup = sapiStartup;
  m.shutdown = php_module_shutdown_wrapper;
  m.activate = sapiActivate;
  m.deactivate = sapiDeactivate;
  m.ub_write = ubWrite;
  m.flush = sapiFlush;
  m.getenv = sapiGetenv;
  m.sapi_error = zend_error;
  m.send_headers = sendHeaders;
  m.read_post = readPost;
  m.read_cookies = readCookies;
  m.register_server_variables = registerVariables;
  m.log_message = logMessage;
  m.php_ini_ignore_cwd = 1;
  return m;
}

}  // namespace

ActiveRequest* activeRequest() {
  return g_active;
}
void setActiveRequest(ActiveRequest* active) {
  g_active = active;
}

sapi_module_struct& fpmSapiModule() {
  static sapi_module_struct module = makeModule();
  return module;
}

void installEnvironmentHooks() {
  if (g_php_import_environment) return;
  g_php_import_environment = php_import_environment_variables;
  php_import_environment_variables = importEnvironment;
  php_load_environment_variables = loadEnvironment;
}

namespace {

// To the web server too, when fastcgi.logging is on and a request is active. True when the
// web server is gone.
bool sendToWebServer(log::Level level, std::string_view message) {
  bool gone = false;
  cgi::ResponseSink* sink = activeSink();
  if (sink && fpm_ini.logging && !message.empty() && !sink->finished()) {
    if (g_active->logging_started) {
      sink->writeErr("; ");
    } else {
      g_active->logging_started = true;
    }
    gone = !sink->writeErr(log::fitMessage(level, message)) && sink->aborted();
  }
  return gone;
}

}  // namespace

bool logRequestMessage(log::Level level, std::string_view message) {
  bool gone = sendToWebServer(level, message);
  if (log::enabled(level)) log::write(level, message);
  return gone;
}

bool logPhpMessage(std::string_view message) {
  bool gone = sendToWebServer(log::Level::Notice, message);
  // PHP-FPM's zlog_msg: a stream, which log_level strips of its "NOTICE: " but never drops.
  log::writeStreamed(log::Level::Notice, message);
  return gone;
}

}  // namespace fpmd::php
