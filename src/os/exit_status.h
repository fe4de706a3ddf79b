#pragma once

// How a child ended, in PHP-FPM's words.

#include <string>

namespace fpmd::os {

/// "SIGTERM", "SIGKILL", … (the number when the signal has no name).
std::string signalName(int sig);
/// "with code 0", "on signal 9 (SIGKILL)", "on signal 11 (SIGSEGV - core dumped)".
std::string describeExit(int status);
/// Exit 0 or death by SIGQUIT (the graceful stop PHP-FPM's children get).
bool exitedCleanly(int status);

}  // namespace fpmd::os
