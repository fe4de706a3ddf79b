#include "config/ini/scanner.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace fpmd::config::ini {
namespace {

// Token kinds, named as bison names them in PHP's "syntax error, unexpected X" messages.
enum class Tok {
  End,
  Section,
  Raw,
  Constant,
  Number,
  String,
  Whitespace,
  Label,
  Offset,
  DollarCurly,
  Varname,
  QuotedString,
  BoolTrue,
  BoolFalse,
  NullNull,
  EndOfLine,
  Char
};

struct Token {
  Tok kind = Tok::End;
  char ch = 0;  // for Tok::Char
  std::string text;
};

std::string tokenName(const Token& t) {
  switch (t.kind) {
    case Tok::End:
      return "end of file";
    case Tok::Section:
      return "TC_SECTION";
    case Tok::Raw:
      return "TC_RAW";
    case Tok::Constant:
      return "TC_CONSTANT";
    case Tok::Number:
      return "TC_NUMBER";
    case Tok::String:
      return "TC_STRING";
    case Tok::Whitespace:
      return "TC_WHITESPACE";
    case Tok::Label:
      return "TC_LABEL";
    case Tok::Offset:
      return "TC_OFFSET";
    case Tok::DollarCurly:
      return "TC_DOLLAR_CURLY";
    case Tok::Varname:
      return "TC_VARNAME";
    case Tok::QuotedString:
      return "TC_QUOTED_STRING";
    case Tok::BoolTrue:
      return "BOOL_TRUE";
    case Tok::BoolFalse:
      return "BOOL_FALSE";
    case Tok::NullNull:
      return "NULL_NULL";
    case Tok::EndOfLine:
      return "END_OF_LINE";
    case Tok::Char:
      return fmt::format("'{}'", t.ch);
  }
  return "?";
}

bool isWs(char c) {
  return c == ' ' || c == '\t';
}
bool isLabelChar(char c) {
  static constexpr std::string_view kExcluded = "=\n\r\t;&|^$~(){}!\"[";
  return c != '\0' && kExcluded.find(c) == std::string_view::npos;
}
bool isTokenChar(char c) {
  static constexpr std::string_view kTokens = ":,.[]\"'()&|^+-/*=%$!~<>?@{}";
  return c != '\0' && kTokens.find(c) != std::string_view::npos;
}
bool isOperator(char c) {
  return c != '\0' && std::string_view("&|^~()!").find(c) != std::string_view::npos;
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string trimWs(std::string_view s) {
  while (!s.empty() && (isWs(s.front()) || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (isWs(s.back()) || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

// The scanner states of zend_ini_scanner.l that NORMAL mode uses.
enum class State { Initial, Value, SectionValue, Offset, DoubleQuotes, Varname };

class Scanner {
 public:
  explicit Scanner(std::string text) : s_(std::move(text)) {}

  int lineno() const { return lineno_; }

  Token next() {
    switch (state_) {
      case State::Initial:
        return scanInitial();
      case State::Value:
        return scanValue();
      case State::SectionValue:
        return scanSectionOrOffset(false);
      case State::Offset:
        return scanSectionOrOffset(true);
      case State::DoubleQuotes:
        return scanDoubleQuotes();
      case State::Varname:
        return scanVarname();
    }
    return {};
  }

 private:
  char at(size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
  bool atEnd() const { return pos_ >= s_.size(); }

  void push(State st) {
    stack_.push_back(state_);
    state_ = st;
  }
  void pop() {
    if (stack_.empty()) {
      state_ = State::Initial;
      return;
    }
    state_ = stack_.back();
    stack_.pop_back();
  }

  size_t wsRun(size_t i) const {
    size_t n = 0;
    while (isWs(at(i + n))) ++n;
    return n;
  }
  // NEWLINE: \r | \n | \r\n
  size_t newlineAt(size_t i) const {
    if (at(i) == '\r') return at(i + 1) == '\n' ? 2 : 1;
    return at(i) == '\n' ? 1 : 0;
  }
  size_t labelRun(size_t i) const {
    size_t n = 0;
    while (i + n < s_.size() && isLabelChar(s_[i + n])) ++n;
    return n;
  }
  // ws* NEWLINE
  size_t wsNewline(size_t i) const {
    size_t w = wsRun(i);
    size_t nl = newlineAt(i + w);
    return nl ? w + nl : 0;
  }
  // ws* ';' [^\r\n]* NEWLINE?
  size_t wsComment(size_t i) const {
    size_t w = wsRun(i);
    if (at(i + w) != ';') return 0;
    size_t n = w + 1;
    while (i + n < s_.size() && s_[i + n] != '\r' && s_[i + n] != '\n') ++n;
    return n + newlineAt(i + n);
  }
  // Case-insensitive boolean/null words followed by ws*; returns length and kind.
  size_t boolWord(size_t i, Tok* kind) const {
    static constexpr struct {
      std::string_view word;
      Tok kind;
    } kWords[] = {{"true", Tok::BoolTrue},   {"on", Tok::BoolTrue},   {"yes", Tok::BoolTrue},
                  {"false", Tok::BoolFalse}, {"off", Tok::BoolFalse}, {"none", Tok::BoolFalse},
                  {"no", Tok::BoolFalse},    {"null", Tok::NullNull}};
    size_t best = 0;
    for (const auto& w : kWords) {
      bool match = true;
      for (size_t k = 0; k < w.word.size(); ++k) {
        if (std::tolower(static_cast<unsigned char>(at(i + k))) != w.word[k]) {
          match = false;
          break;
        }
      }
      if (match && w.word.size() > best) {
        best = w.word.size();
        *kind = w.kind;
      }
    }
    return best ? best + wsRun(i + best) : 0;
  }
  size_t constantRun(size_t i) const {
    if (!isAlpha(at(i)) && at(i) != '_') return 0;
    size_t n = 1;
    while (isAlpha(at(i + n)) || isDigit(at(i + n)) || at(i + n) == '_') ++n;
    return n;
  }
  // [-]?[0-9]+ | [0-9]*\.[0-9]+ | [0-9]+\.[0-9]*
  size_t numberRun(size_t i) const {
    size_t best = 0;
    size_t n = at(i) == '-' ? 1 : 0;
    size_t d = 0;
    while (isDigit(at(i + n + d))) ++d;
    if (d) best = n + d;
    d = 0;
    while (isDigit(at(i + d))) ++d;
    if (at(i + d) == '.') {
      size_t f = 0;
      while (isDigit(at(i + d + 1 + f))) ++f;
      if (d || f) best = std::max(best, d + 1 + f);
    }
    return best;
  }
  // "$" followed by anything but '{' (or a backslash escape).
  size_t literalDollar(size_t i) const {
    if (at(i) != '$' || i + 1 >= s_.size()) return 0;
    if (at(i + 1) == '\\' && i + 2 < s_.size()) return 3;
    return at(i + 1) == '{' ? 0 : 2;
  }
  // The longest run from `i` of characters not in `excluded`, where a literal "$" counts
  // and, in section names, a backslash takes the next character with it.
  size_t charsRun(size_t i, std::string_view excluded, bool backslash_escapes) const {
    size_t n = 0;
    while (i + n < s_.size()) {
      char c = s_[i + n];
      if (c == '$') {
        size_t d = literalDollar(i + n);
        if (!d) break;
        n += d;
      } else if (c == '\\' && backslash_escapes) {
        if (i + n + 1 >= s_.size()) break;
        n += 2;
      } else if (excluded.find(c) == std::string_view::npos) {
        ++n;
      } else {
        break;
      }
    }
    return n;
  }
  size_t valueCharsRun(size_t i) const { return charsRun(i, "$= \t\n\r;&|^~()!\"'", false); }
  size_t sectionCharsRun(size_t i) const { return charsRun(i, "$\n\r;\"']\\", true); }
  size_t rawQuoted(size_t i) const {
    if (at(i) != '\'') return 0;
    size_t n = 1;
    while (i + n < s_.size() && s_[i + n] != '\'') ++n;
    if (i + n >= s_.size() || n == 1) return 0;  // needs a closing quote and 1+ chars
    return n + 1;
  }

  Token make(Tok kind, size_t len, std::string text = {}) {
    pos_ += len;
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    return t;
  }
  Token makeChar(char c, size_t len) {
    pos_ += len;
    Token t;
    t.kind = Tok::Char;
    t.ch = c;
    return t;
  }

  Token scanInitial() {
    for (;;) {
      if (atEnd()) return {};
      size_t label = labelRun(pos_);
      size_t offset = (label && at(pos_ + label) == '[') ? label + 1 + wsRun(pos_ + label + 1) : 0;
      Tok bool_kind = Tok::End;
      size_t boolean = boolWord(pos_, &bool_kind);
      size_t assign = 0;
      {
        size_t w = wsRun(pos_);
        if (at(pos_ + w) == '=') assign = w + 1 + wsRun(pos_ + w + 1);
      }
      size_t ws = wsRun(pos_);
      size_t eol = wsNewline(pos_);
      size_t comment = wsComment(pos_);
      size_t section = at(pos_) == '[' ? 1 : 0;
      size_t token = isTokenChar(at(pos_)) ? 1 : 0;
      // Longest match wins; ties go to the rule written first in zend_ini_scanner.l.
      size_t best = std::max({section, offset, boolean, label, assign, token, ws, eol, comment});
      if (best == 0) return {};
      if (section == best) {
        push(State::SectionValue);
        return make(Tok::Section, 1);
      }
      if (offset == best) {
        std::string name = trimWs(std::string_view(s_).substr(pos_, label));
        push(State::Offset);
        return make(Tok::Offset, offset, std::move(name));
      }
      if (boolean == best) return make(bool_kind, boolean, bool_kind == Tok::BoolTrue ? "1" : "");
      if (label == best)
        return make(Tok::Label, label, trimWs(std::string_view(s_).substr(pos_, label)));
      if (assign == best) {
        push(State::Value);
        return makeChar('=', assign);
      }
      if (token == best) return makeChar(s_[pos_], 1);
      if (ws == best) {
        pos_ += ws;
        continue;
      }
      ++lineno_;
      return make(Tok::EndOfLine, eol == best ? eol : comment);
    }
  }

  Token scanValue() {
    if (atEnd()) {
      state_ = State::Initial;
      return make(Tok::EndOfLine, 0);
    }
    size_t raw = rawQuoted(pos_);
    size_t curly = (at(pos_) == '$' && at(pos_ + 1) == '{') ? 2 : 0;
    Tok bool_kind = Tok::End;
    size_t boolean = boolWord(pos_, &bool_kind);
    size_t eol = wsNewline(pos_);
    size_t constant = constantRun(pos_);
    size_t number = numberRun(pos_);
    size_t op = isOperator(at(pos_)) ? 1 + wsRun(pos_ + 1) : 0;
    size_t assign = at(pos_) == '=' ? 1 : 0;
    size_t chars = valueCharsRun(pos_);
    size_t quote = at(pos_ + wsRun(pos_)) == '"' ? wsRun(pos_) + 1 : 0;
    size_t ws = wsRun(pos_);
    size_t comment = wsComment(pos_);
    size_t best = std::max(
        {raw, curly, boolean, eol, constant, number, op, assign, chars, quote, ws, comment});
    if (best == 0) return {};
    if (raw == best) return make(Tok::Raw, raw, s_.substr(pos_ + 1, raw - 2));
    if (curly == best) {
      push(State::Varname);
      return make(Tok::DollarCurly, 2);
    }
    if (boolean == best) return make(bool_kind, boolean, bool_kind == Tok::BoolTrue ? "1" : "");
    if (eol == best) {
      state_ = State::Initial;
      ++lineno_;
      return make(Tok::EndOfLine, eol);
    }
    if (constant == best) return make(Tok::Constant, constant, s_.substr(pos_, constant));
    if (number == best) return make(Tok::Number, number, s_.substr(pos_, number));
    if (op == best) return makeChar(s_[pos_], op);
    if (assign == best) {
      // '=' inside a value ends it; the '=' is then seen again as a statement start.
      state_ = State::Initial;
      return make(Tok::EndOfLine, 0);
    }
    if (chars == best) return make(Tok::String, chars, s_.substr(pos_, chars));
    if (quote == best) {
      push(State::DoubleQuotes);
      return makeChar('"', quote);
    }
    if (ws == best) return make(Tok::Whitespace, ws, s_.substr(pos_, ws));
    state_ = State::Initial;
    ++lineno_;
    return make(Tok::EndOfLine, comment);
  }

  Token scanSectionOrOffset(bool offset) {
    if (atEnd()) return {};
    size_t raw = rawQuoted(pos_);
    size_t close = 0;
    if (offset) {
      size_t w = wsRun(pos_);
      if (at(pos_ + w) == ']') close = w + 1;
    } else if (at(pos_) == ']') {
      close = 1 + wsRun(pos_ + 1);
      close += newlineAt(pos_ + close);
    }
    size_t curly = (at(pos_) == '$' && at(pos_ + 1) == '{') ? 2 : 0;
    size_t constant = constantRun(pos_);
    size_t number = numberRun(pos_);
    size_t chars = sectionCharsRun(pos_);
    size_t quote = at(pos_ + wsRun(pos_)) == '"' ? wsRun(pos_) + 1 : 0;
    size_t ws = wsRun(pos_);
    size_t best = std::max({raw, close, curly, constant, number, chars, quote, ws});
    if (best == 0) return {};
    if (raw == best) return make(Tok::Raw, raw, s_.substr(pos_ + 1, raw - 2));
    if (close == best) {
      state_ = State::Initial;
      if (!offset) ++lineno_;
      return makeChar(']', close);
    }
    if (curly == best) {
      push(State::Varname);
      return make(Tok::DollarCurly, 2);
    }
    if (constant == best) return make(Tok::Constant, constant, s_.substr(pos_, constant));
    if (number == best) return make(Tok::Number, number, s_.substr(pos_, number));
    if (chars == best) return make(Tok::String, chars, s_.substr(pos_, chars));
    if (quote == best) {
      push(State::DoubleQuotes);
      return makeChar('"', quote);
    }
    return make(Tok::Whitespace, ws, s_.substr(pos_, ws));
  }

  Token scanDoubleQuotes() {
    if (atEnd()) return {};
    if (s_[pos_] == '"') {
      pop();
      return makeChar('"', 1 + wsRun(pos_ + 1));
    }
    if (s_[pos_] == '$' && at(pos_ + 1) == '{') {
      push(State::Varname);
      return make(Tok::DollarCurly, 2);
    }
    // Runs to the closing quote or a "${", honouring backslash escapes; a \" right before
    // the end of the line closes the string (PHP's special case for C:\path\ values).
    size_t i = pos_;
    while (i < s_.size()) {
      char c = s_[i++];
      if (c == '"') {
        --i;
        break;
      }
      if (c == '$' && at(i) == '{') {
        --i;
        break;
      }
      if (c == '\\' && i < s_.size()) {
        char escaped = s_[i++];
        if (escaped == '"' && (i >= s_.size() || s_[i] == '\n' || s_[i] == '\r')) {
          --i;
          break;
        }
      }
    }
    std::string out;
    for (size_t k = pos_; k < i; ++k) {
      char c = s_[k];
      if (c == '\\') {
        if (k + 1 >= i) {
          out += '\\';
          continue;
        }
        char e = s_[++k];
        if (e == '"' || e == '\\' || e == '$') {
          out += e;
        } else {
          out += '\\';
          out += e;
        }
        c = e;
      } else {
        out += c;
      }
      if (c == '\n' || (c == '\r' && at(k + 1) != '\n')) ++lineno_;
    }
    return make(Tok::QuotedString, i - pos_, std::move(out));
  }

  Token scanVarname() {
    if (atEnd()) return {};
    if (s_[pos_] == '}') {
      pop();
      return makeChar('}', 1);
    }
    size_t label = labelRun(pos_);
    if (!label) return {};
    return make(Tok::Varname, label, trimWs(std::string_view(s_).substr(pos_, label)));
  }

  std::string s_;
  size_t pos_ = 0;
  int lineno_ = 1;
  State state_ = State::Initial;
  std::vector<State> stack_;
};

// PHP's zend_ini_do_op(): operands go through atoi(), the result is printed with %d.
int iniAtoi(const std::string& s) {
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  return static_cast<int>(static_cast<uint32_t>(static_cast<unsigned long long>(v)));
}

struct SyntaxError {
  std::string message;
};

class Parser {
 public:
  Parser(Scanner& scanner, const IniScanOptions& options, IniHandler& handler)
      : scanner_(scanner), options_(options), handler_(handler) {}

  std::optional<std::string> run() {
    try {
      statements();
    } catch (const SyntaxError& e) {
      return e.message;
    }
    return std::nullopt;
  }

 private:
  const Token& peek() {
    if (!lookahead_) lookahead_ = scanner_.next();
    return *lookahead_;
  }
  Token take() {
    peek();
    Token t = std::move(*lookahead_);
    lookahead_.reset();
    return t;
  }
  bool peekChar(char c) {
    const Token& t = peek();
    return t.kind == Tok::Char && t.ch == c;
  }
  [[noreturn]] void fail(std::string_view expecting = {}) {
    std::string msg = "syntax error, unexpected " + tokenName(peek());
    if (!expecting.empty()) msg += fmt::format(", expecting {}", expecting);
    throw SyntaxError{fmt::format("{} in Unknown on line {}", msg, scanner_.lineno())};
  }
  void expectChar(char c, std::string_view expecting) {
    if (!peekChar(c)) fail(expecting);
    take();
  }

  void statements() {
    for (;;) {
      const Token& t = peek();
      switch (t.kind) {
        case Tok::End:
          return;
        case Tok::EndOfLine:
          take();
          break;
        case Tok::Section: {
          take();
          std::string name = sectionContent();
          expectChar(']', "']'");
          handler_.section(name);
          break;
        }
        case Tok::Label: {
          std::string name = take().text;
          if (peekChar('=')) {
            take();
            std::string value = stringOrValue();
            handler_.entry(name, value);
          } else {
            handler_.entry(name, std::nullopt);
          }
          break;
        }
        case Tok::Offset: {
          std::string name = take().text;
          std::string key = sectionContent();
          expectChar(']', "']'");
          expectChar('=', "'='");
          std::string value = stringOrValue();
          handler_.arrayEntry(name, key, value);
          break;
        }
        default:
          fail();
      }
    }
  }

  std::string stringOrValue() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::BoolTrue:
      case Tok::BoolFalse:
      case Tok::NullNull:
        return take().text;
      case Tok::EndOfLine:
        take();
        return "";
      default:
        return expr(false);
    }
  }

  bool startsString() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::DollarCurly:
      case Tok::Constant:
      case Tok::Raw:
      case Tok::Number:
      case Tok::String:
      case Tok::Whitespace:
        return true;
      case Tok::Char:
        return t.ch == '"';
      default:
        return false;
    }
  }

  // expr: unary (('|' | '&' | '^') unary)*, left-associative; '~' and '!' bind tighter.
  std::string expr(bool in_parens) {
    std::string left = unary();
    for (;;) {
      if (peekChar('|') || peekChar('&') || peekChar('^')) {
        char op = take().ch;
        std::string right = unary();
        int a = iniAtoi(left);
        int b = iniAtoi(right);
        int r = op == '|' ? (a | b) : op == '&' ? (a & b) : (a ^ b);
        left = fmt::format("{}", r);
        continue;
      }
      if (in_parens && !peekChar(')')) fail("'^' or '|' or '&' or ')'");
      return left;
    }
  }

  // Each '(' , '~' or '!' costs a few stack frames here (PHP's LALR parser keeps them on
  // a heap stack and fails with "memory exhausted" past YYMAXDEPTH). Bounded so that no
  // line can exhaust the master's stack: 256 is far beyond any real value (php-fpm8.2
  // accepts 100 nested parentheses, and so do we) and costs only tens of KB even under
  // sanitizers.
  static constexpr int kMaxNesting = 256;

  void enter() {
    if (++depth_ > kMaxNesting) {
      throw SyntaxError{
          fmt::format("memory exhausted (values nest deeper than {} levels) in "
                      "Unknown on line {}",
                      kMaxNesting, scanner_.lineno())};
    }
  }

  std::string unary() {
    if (peekChar('~') || peekChar('!')) {
      char op = take().ch;
      enter();
      int v = iniAtoi(unary());
      --depth_;
      return fmt::format("{}", op == '~' ? ~v : static_cast<int>(!v));
    }
    if (peekChar('(')) {
      take();
      enter();
      std::string inner = expr(true);
      --depth_;
      take();  // ')', checked by expr()
      return inner;
    }
    if (!startsString()) fail();
    return stringList(true);
  }

  // var_string_list (values: constants are looked up) or var_string_list_section.
  std::string stringList(bool lookup_constants) {
    std::string out;
    while (startsString()) {
      const Token& t = peek();
      if (t.kind == Tok::DollarCurly) {
        out += varRef();
      } else if (t.kind == Tok::Char) {
        out += encapsed();
      } else if (t.kind == Tok::Constant && lookup_constants) {
        std::string name = take().text;
        std::optional<std::string> value =
            options_.constant ? options_.constant(name) : std::nullopt;
        out += value ? *value : name;
      } else {
        out += take().text;
      }
    }
    return out;
  }

  std::string sectionContent() { return stringList(false); }

  std::string varRef() {
    take();
    if (peek().kind != Tok::Varname) fail("TC_VARNAME");
    std::string name = take().text;
    expectChar('}', "'}'");
    std::optional<std::string> value = options_.env ? options_.env(name) : std::nullopt;
    return value ? *value : std::string();
  }

  std::string encapsed() {
    take();
    std::string out;
    for (;;) {
      const Token& t = peek();
      if (t.kind == Tok::DollarCurly) {
        out += varRef();
      } else if (t.kind == Tok::QuotedString) {
        out += take().text;
      } else if (t.kind == Tok::Char && t.ch == '"') {
        take();
        return out;
      } else {
        fail("TC_DOLLAR_CURLY or TC_QUOTED_STRING or '\"'");
      }
    }
  }

  Scanner& scanner_;
  const IniScanOptions& options_;
  IniHandler& handler_;
  std::optional<Token> lookahead_;
  int depth_ = 0;  // nesting of '(', '~' and '!' being parsed
};

}  // namespace

std::optional<std::string> parseIniLine(std::string_view line, const IniScanOptions& options,
                                        IniHandler& handler) {
  size_t nul = line.find('\0');
  if (nul != std::string_view::npos) line = line.substr(0, nul);
  Scanner scanner{std::string(line)};
  Parser parser(scanner, options, handler);
  return parser.run();
}

std::optional<std::string> builtinConstant(const std::string& name) {
  static constexpr struct {
    std::string_view name;
    int value;
  } kConstants[] = {
      {"E_ERROR", 1},
      {"E_WARNING", 2},
      {"E_PARSE", 4},
      {"E_NOTICE", 8},
      {"E_CORE_ERROR", 16},
      {"E_CORE_WARNING", 32},
      {"E_COMPILE_ERROR", 64},
      {"E_COMPILE_WARNING", 128},
      {"E_USER_ERROR", 256},
      {"E_USER_WARNING", 512},
      {"E_USER_NOTICE", 1024},
      {"E_STRICT", 2048},
      {"E_RECOVERABLE_ERROR", 4096},
      {"E_DEPRECATED", 8192},
      {"E_USER_DEPRECATED", 16384},
      {"E_ALL", 32767},
  };
  for (const auto& c : kConstants) {
    if (c.name == name) return fmt::format("{}", c.value);
  }
  return std::nullopt;
}

}  // namespace fpmd::config::ini
