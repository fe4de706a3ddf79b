#pragma once

namespace fpmd::php {

/// Before module start-up: libphp registers its compiled-in extensions less those
/// php8.2-fpm does not have (pcntl), so requests see php-fpm's extension list.
void registerBuiltinExtensionsAsFpm();

}  // namespace fpmd::php
