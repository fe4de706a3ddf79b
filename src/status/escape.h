#pragma once

// The two encodings PHP-FPM applies to request data on its status page (method, URI,
// query string, user, script), reproduced byte for byte:
// - HTML and XML go through htmlspecialchars(ENT_COMPAT | ENT_DISALLOWED | ENT_XHTML)
//   in default_charset, which gives an empty string for invalid UTF-8;
// - JSON goes through json_encode(JSON_INVALID_UTF8_IGNORE), without its quotes.

#include <string>
#include <string_view>

namespace fpmd::status::render {

/// `&<>"` as entities; code points XML 1.0 forbids (C0 controls but tab, LF, CR; U+FFFE,
/// U+FFFF) become U+FFFD. With `utf8`, invalid UTF-8 makes the whole result empty; without
/// it (a single-byte default_charset) bytes pass through and forbidden ones become
/// "&#xFFFD;", as PHP does for charsets that cannot encode U+FFFD.
std::string markupEscape(std::string_view text, bool utf8);

/// The inside of a JSON string as PHP writes it: `\"`, `\\`, `\/`, the short escapes,
/// `\u00xx` for other controls, `\uxxxx` (lowercase, surrogate pairs) for non-ASCII; bytes
/// of invalid UTF-8 sequences are dropped, as many at a time as PHP's decoder skips.
std::string jsonEscape(std::string_view text);

/// True when PHP treats `charset` as UTF-8 ("UTF-8", "utf8", any case).
bool isUtf8Charset(std::string_view charset);

}  // namespace fpmd::status::render
