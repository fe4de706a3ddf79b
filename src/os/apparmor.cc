#include "os/apparmor.h"

#include <sys/apparmor.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace fpmd::os {
namespace {

Error withErrno(const std::string& message) {
  int err = errno;
  return makeError(fmt::format("{}: {} ({})", message, std::strerror(err), err));
}

}  // namespace

Status changeApparmorHat(const std::string& pool_name, const std::string& hat) {
  char* label = nullptr;
  if (::aa_getcon(&label, nullptr) < 0) {
    return withErrno(
        fmt::format("[pool {}] failed to query apparmor confinement. Please check "
                    "if \"/proc/*/attr/current\" is read and writeable.",
                    pool_name));
  }
  // aa_getcon() allocates the label (and the mode within it) with malloc.
  std::unique_ptr<char, decltype(&std::free)> owned(label, &std::free);
  const std::string current = label;
  const std::string wanted = current + "//" + hat;
  if (::aa_change_profile(wanted.c_str()) < 0) {
    return withErrno(
        fmt::format("[pool {}] failed to change to new confinement ({}). Please "
                    "check if \"/proc/*/attr/current\" is read and writeable and "
                    "\"change_profile -> {}//*\" is allowed.",
                    pool_name, wanted, current));
  }
  return {};
}

}  // namespace fpmd::os
