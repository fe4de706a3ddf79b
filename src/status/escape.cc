#include "status/escape.h"

#include <cstdint>

#include <fmt/format.h>

namespace fpmd::status::render {
namespace {

/// One step of PHP's UTF-8 decoder (php_next_utf8_char): a code point, or a failure with
/// the number of bytes PHP skips over. The skip length matters to JSON, which drops the
/// bad bytes and carries on from there.
struct Step {
  bool ok = false;
  char32_t code_point = 0;
  size_t length = 1;
};

bool isTrail(uint8_t c) {
  return c >= 0x80 && c <= 0xBF;
}
// A byte that can start a sequence, so a failure stops before it instead of eating it.
bool isLead(uint8_t c) {
  return c < 0x80 || (c >= 0xC2 && c <= 0xF4);
}

Step fail(size_t length) {
  return Step{false, 0, length};
}

Step decodeUtf8(std::string_view text, size_t pos) {
  size_t avail = text.size() - pos;
  auto at = [&](size_t i) { return static_cast<uint8_t>(text[pos + i]); };
  uint8_t c = at(0);
  if (c < 0x80) return Step{true, c, 1};
  if (c < 0xC2) return fail(1);  // a stray continuation byte or an overlong lead
  if (c < 0xE0) {
    if (avail < 2) return fail(1);
    if (!isTrail(at(1))) return fail(isLead(at(1)) ? 1 : 2);
    return Step{true, static_cast<char32_t>(((c & 0x1F) << 6) | (at(1) & 0x3F)), 2};
  }
  if (c < 0xF0) {
    if (avail < 3 || !isTrail(at(1)) || !isTrail(at(2))) {
      if (avail < 2 || isLead(at(1))) return fail(1);
      if (avail < 3 || isLead(at(2))) return fail(2);
      return fail(3);
    }
    char32_t cp = ((c & 0x0F) << 12) | ((at(1) & 0x3F) << 6) | (at(2) & 0x3F);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return fail(3);  // overlong, surrogate
    return Step{true, cp, 3};
  }
  if (c < 0xF5) {
    if (avail < 4 || !isTrail(at(1)) || !isTrail(at(2)) || !isTrail(at(3))) {
      if (avail < 2 || isLead(at(1))) return fail(1);
      if (avail < 3 || isLead(at(2))) return fail(2);
      if (avail < 4 || isLead(at(3))) return fail(3);
      return fail(4);
    }
    char32_t cp =
        ((c & 0x07) << 18) | ((at(1) & 0x3F) << 12) | ((at(2) & 0x3F) << 6) | (at(3) & 0x3F);
    if (cp < 0x10000 || cp > 0x10FFFF) return fail(4);
    return Step{true, cp, 4};
  }
  return fail(1);
}

// XML 1.0's Char production, which PHP applies for ENT_XHTML with ENT_DISALLOWED.
bool xmlAllows(char32_t cp) {
  if (cp < 0x20) return cp == 0x09 || cp == 0x0A || cp == 0x0D;
  if (cp <= 0xD7FF) return true;
  return cp >= 0xE000 && cp <= 0x10FFFF && cp != 0xFFFE && cp != 0xFFFF;
}

// Appends the entity for one of the four characters ENT_COMPAT escapes; false otherwise.
bool appendEntity(std::string& out, char c) {
  switch (c) {
    case '&':
      out += "&amp;";
      return true;
    case '"':
      out += "&quot;";
      return true;
    case '<':
      out += "&lt;";
      return true;
    case '>':
      out += "&gt;";
      return true;
    default:
      return false;
  }
}

}  // namespace

bool isUtf8Charset(std::string_view charset) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
  };
  std::string name = lower(charset);
  return name == "utf-8" || name == "utf8";
}

std::string markupEscape(std::string_view text, bool utf8) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    if (!utf8) {
      char c = text[pos++];
      if (appendEntity(out, c)) continue;
      out += xmlAllows(static_cast<uint8_t>(c)) ? std::string(1, c) : "&#xFFFD;";
      continue;
    }
    Step step = decodeUtf8(text, pos);
    // Without ENT_IGNORE or ENT_SUBSTITUTE, htmlspecialchars gives up on the whole string.
    if (!step.ok) return {};
    bool escaped = step.length == 1 && appendEntity(out, text[pos]);
    if (!escaped) {
      out += xmlAllows(step.code_point) ? text.substr(pos, step.length) : "\xEF\xBF\xBD";
    }
    pos += step.length;
  }
  return out;
}

std::string jsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto appendUnit = [&out](char32_t unit) {
    out += fmt::format("\\u{:04x}", static_cast<uint32_t>(unit));
  };
  size_t pos = 0;
  while (pos < text.size()) {
    Step step = decodeUtf8(text, pos);
    pos += step.length;
    if (!step.ok) continue;  // JSON_INVALID_UTF8_IGNORE
    char32_t cp = step.code_point;
    switch (cp) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '/':
        out += "\\/";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (cp < 0x20) {
      appendUnit(cp);
    } else if (cp < 0x80) {
      out += static_cast<char>(cp);  // DEL included: PHP leaves it as is
    } else if (cp < 0x10000) {
      appendUnit(cp);
    } else {
      cp -= 0x10000;
      appendUnit(0xD800 | (cp >> 10));
      appendUnit(0xDC00 | (cp & 0x3FF));
    }
  }
  return out;
}

}  // namespace fpmd::status::render
