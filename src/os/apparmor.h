#pragma once

// apparmor_hat: a worker moves from its AppArmor profile into a sub-profile ("hat") before it
// runs PHP, as PHP-FPM's fpm_unix_init_child() does.

#include <string>

#include "common/result.h"

namespace fpmd::os {

/// Changes this process to "<current profile>//<hat>". The error text is PHP-FPM's, with
/// errno: "[pool www] failed to query apparmor confinement. ...: Invalid argument (22)" when
/// AppArmor is not there.
Status changeApparmorHat(const std::string& pool_name, const std::string& hat);

}  // namespace fpmd::os
