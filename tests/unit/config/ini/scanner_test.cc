// parseIniLine(): PHP's INI scanner and parser on single lines, as PHP-FPM feeds them.

#include <gtest/gtest.h>

#include "config/ini/scanner.h"

namespace fpmd::config::ini {
namespace {

struct Recorder : IniHandler {
  std::vector<std::string> events;
  void section(const std::string& name) override { events.push_back("[" + name + "]"); }
  void entry(const std::string& name, const std::optional<std::string>& value) override {
    events.push_back(name + (value ? "=<" + *value + ">" : " (null)"));
  }
  void arrayEntry(const std::string& name, const std::string& key,
                  const std::string& value) override {
    events.push_back(name + "[" + key + "]=<" + value + ">");
  }
};

struct Parsed {
  std::vector<std::string> events;
  std::optional<std::string> error;
};

Parsed parse(const std::string& line) {
  Recorder r;
  config::ini::IniScanOptions options;
  options.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return "/home/x";
    return std::nullopt;
  };
  options.constant = config::ini::builtinConstant;
  std::optional<std::string> error = config::ini::parseIniLine(line + "\n", options, r);
  return {r.events, error};
}

std::string value(const std::string& line) {
  Parsed p = parse("k = " + line);
  EXPECT_FALSE(p.error) << *p.error;
  EXPECT_EQ(p.events.size(), 1u);
  if (p.events.size() != 1) return "?";
  return p.events[0].substr(3, p.events[0].size() - 4);
}

TEST(ConfigScanner, Booleans) {
  for (const char* yes : {"yes", "On", "TRUE", "true  "}) EXPECT_EQ(value(yes), "1") << yes;
  for (const char* no : {"no", "Off", "false", "none", "null", ""}) EXPECT_EQ(value(no), "") << no;
  EXPECT_EQ(value("yesman"), "yesman");
  EXPECT_EQ(value("1"), "1");
}

TEST(ConfigScanner, StringsQuotesAndComments) {
  EXPECT_EQ(value("  a  b  "), "a  b");
  EXPECT_EQ(value("x ; comment"), "x");
  EXPECT_EQ(value("x#y"), "x#y");
  EXPECT_EQ(value("\"a\" x \"b\"  "), "axb");
  EXPECT_EQ(value("'a  b'c"), "a  bc");
  EXPECT_EQ(value(R"("\\\$\"x\n")"), R"(\$"x\n)");
  EXPECT_EQ(value("a$b"), "a$b");
  EXPECT_EQ(value("a$"), "a$\n");  // PHP's LITERAL_DOLLAR swallows the newline
  EXPECT_EQ(value("{x}"), "{x}");
  EXPECT_EQ(value("1.5"), "1.5");
}

TEST(ConfigScanner, EnvironmentAndConstants) {
  EXPECT_EQ(value("${HOME}/x"), "/home/x/x");
  EXPECT_EQ(value("\"q ${HOME}\""), "q /home/x");
  EXPECT_EQ(value("${NOPE}x"), "x");
  EXPECT_EQ(value("E_ALL"), "32767");
  EXPECT_EQ(value("E_ALL & ~E_NOTICE"), "32759");
  EXPECT_EQ(value("E_ALLX"), "E_ALLX");
  EXPECT_EQ(value("1|2"), "3");
  EXPECT_EQ(value("!0"), "1");
  EXPECT_EQ(value("(1|4)&5"), "5");
}

TEST(ConfigScanner, SectionsOffsetsAndLabels) {
  EXPECT_EQ(parse("[www]").events, std::vector<std::string>{"[www]"});
  EXPECT_EQ(parse("[www] user = x").events, (std::vector<std::string>{"[www]", "user=<x>"}));
  EXPECT_EQ(parse("env[ A ] = 1").events, std::vector<std::string>{"env[A ]=<1>"});
  EXPECT_EQ(parse("access.suppress_path[] = /a").events,
            std::vector<std::string>{"access.suppress_path[]=</a>"});
  EXPECT_EQ(parse("#comment").events, std::vector<std::string>{"#comment (null)"});
  EXPECT_EQ(parse("a b = 1").events, std::vector<std::string>{"a b=<1>"});
  EXPECT_EQ(parse(std::string("user = a\0b", 10)).events, std::vector<std::string>{"user=<a>"});
}

// Messages as php-fpm8.2 printed them for the same lines.
TEST(ConfigScanner, SyntaxErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"user = a=b", "syntax error, unexpected '=' in Unknown on line 1"},
      {"[x", "syntax error, unexpected end of file, expecting ']' in Unknown on line 1"},
      {"on = 1", "syntax error, unexpected BOOL_TRUE in Unknown on line 1"},
      {"user = on off", "syntax error, unexpected BOOL_FALSE in Unknown on line 1"},
      {"user = \"abc",
       "syntax error, unexpected end of file, expecting TC_DOLLAR_CURLY or TC_QUOTED_STRING or "
       "'\"' in Unknown on line 2"},
      {"user = ${X", "syntax error, unexpected end of file, expecting '}' in Unknown on line 1"},
      {"user = 'abc", "syntax error, unexpected end of file in Unknown on line 1"},
      {"=x", "syntax error, unexpected '=' in Unknown on line 1"},
      {"user = (1",
       "syntax error, unexpected END_OF_LINE, expecting '^' or '|' or '&' or ')' in Unknown on "
       "line 2"},
      {"user = 1)", "syntax error, unexpected ')' in Unknown on line 1"},
      {"env[a = 1", "syntax error, unexpected end of file, expecting ']' in Unknown on line 1"},
      {"  [www]", "syntax error, unexpected END_OF_LINE, expecting '=' in Unknown on line 2"},
      {"env[]]=1", "syntax error, unexpected TC_LABEL, expecting '=' in Unknown on line 1"},
      {"env[a]", "syntax error, unexpected END_OF_LINE, expecting '=' in Unknown on line 2"},
      {"user=${}", "syntax error, unexpected '}', expecting TC_VARNAME in Unknown on line 1"},
      {"user=(", "syntax error, unexpected END_OF_LINE in Unknown on line 2"},
      {"user=1 | ", "syntax error, unexpected END_OF_LINE in Unknown on line 2"},
      {"user=\"a${X\"", "syntax error, unexpected end of file, expecting '}' in Unknown on line 1"},
  };
  for (const auto& [line, message] : cases) {
    Parsed p = parse(line);
    ASSERT_TRUE(p.error) << line;
    EXPECT_EQ(*p.error, message) << line;
  }
}

TEST(ConfigScanner, CallbacksBeforeTheErrorStayMade) {
  Parsed p = parse("a\"b = 1");
  EXPECT_EQ(p.events, std::vector<std::string>{"a (null)"});
  ASSERT_TRUE(p.error);
  EXPECT_EQ(*p.error, "syntax error, unexpected '\"' in Unknown on line 1");
}

}  // namespace
}  // namespace fpmd::config::ini
