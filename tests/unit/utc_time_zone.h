#pragma once

// Test helper: renders local times in UTC (as the captures from php-fpm8.2 were taken)
// for the lifetime of the object, then restores TZ.

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace fpmd::test_support {

class UtcTimeZone {
 public:
  UtcTimeZone() {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  ~UtcTimeZone() {
    if (saved_) {
      ::setenv("TZ", saved_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  UtcTimeZone(const UtcTimeZone&) = delete;
  UtcTimeZone& operator=(const UtcTimeZone&) = delete;

 private:
  std::optional<std::string> saved_;
};

}  // namespace fpmd::test_support
