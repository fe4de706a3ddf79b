#pragma once

// The tools' command lines (fcgi-bench, fcgi-client, `fpmd status`) read with glibc's
// getopt_long: clustered short options (-kc8), --name=value and --name value, unambiguous
// abbreviations and `--` come with it. getopt's own messages are turned off and its
// failures reported as items, worded by the caller's conventions and naming the option.
// (`fpmd` itself keeps php-fpm's exact parsing in app/cli.cc.)

#include <getopt.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fpmd {

/// One option the scanner knows. `id` is what next() reports it by: the short option's
/// letter, or a value from kLongOnly on for an option that has no letter.
struct OptionSpec {
  int id;
  const char* name;  // the long name, without "--"
  bool takes_value;
};

/// The first id of an option with no short letter: getopt reports letters as themselves.
inline constexpr int kLongOnly = 256;

/// Walks argv with getopt_long over a copy of it (getopt may permute what it is given).
/// getopt keeps its position in globals, so one scanner at a time: each one starts getopt
/// afresh, which lets a process (a unit test) parse many command lines.
class OptionScanner {
 public:
  enum class Kind { Option, Positional, Error, End };
  struct Item {
    Kind kind = Kind::End;
    int id = 0;         // Option: its OptionSpec id
    std::string name;   // Option: as given, "-c" or "--connections" (abbreviations spelled out)
    std::string value;  // Option: its value; Positional: the argument
    std::string error;  // Error: what was wrong, naming the option
  };

  /// args[0] is the program name, as in argv; it is not scanned.
  OptionScanner(const std::vector<std::string>& args, std::vector<OptionSpec> specs)
      : args_(args), specs_(std::move(specs)) {
    if (args_.empty()) args_.emplace_back();  // getopt starts at argv[1], even when argc is 0
    for (std::string& arg : args_) argv_.push_back(arg.data());
    argv_.push_back(nullptr);
    // '-': arguments come back in order as id 1 (options and operands may mix, whatever
    // POSIXLY_CORRECT says); ':': a missing value is told apart from an unknown option.
    short_options_ = "-:";
    for (const OptionSpec& spec : specs_) {
      if (spec.id < kLongOnly) {
        short_options_ += static_cast<char>(spec.id);
        if (spec.takes_value) short_options_ += ':';
      }
      long_options_.push_back(
          {spec.name, spec.takes_value ? required_argument : no_argument, nullptr, spec.id});
    }
    long_options_.push_back({nullptr, 0, nullptr, 0});
    // 0, not 1: only then does glibc reset all its state (the ordering, the rest of a
    // half-read cluster such as -kc), not just the position.
    optind = 0;
    opterr = 0;
  }

  OptionScanner(const OptionScanner&) = delete;
  OptionScanner& operator=(const OptionScanner&) = delete;

  /// The next option or operand; End once all are read, Error at the first bad option.
  Item next() {
    const int argc = static_cast<int>(args_.size());
    Item item;
    if (!options_done_) {
      int long_index = -1;
      const int found = getopt_long(argc, argv_.data(), short_options_.c_str(),
                                    long_options_.data(), &long_index);
      if (found == 1) {
        item.kind = Kind::Positional;
        item.value = optarg;
        return item;
      }
      if (found == ':') return missingValue();
      if (found == '?') return badOption();
      if (found != -1) {
        item.kind = Kind::Option;
        item.id = found;
        item.name = long_index >= 0 ? std::string("--") + long_options_[long_index].name
                                    : std::string("-") + static_cast<char>(found);
        if (optarg != nullptr) item.value = optarg;
        return item;
      }
      // Past a `--`, optind points at the operands after it.
      options_done_ = true;
      rest_ = optind;
    }
    if (rest_ < argc) {
      item.kind = Kind::Positional;
      item.value = args_[rest_++];
    }
    return item;
  }

 private:
  const OptionSpec* find(int id) const {
    for (const OptionSpec& spec : specs_) {
      if (spec.id == id) return &spec;
    }
    return nullptr;
  }

  static Item error(std::string message) {
    Item item;
    item.kind = Kind::Error;
    item.error = std::move(message);
    return item;
  }

  // The argument getopt just stepped past (it always has, when it reports these errors).
  std::string_view lastArgument() const { return args_[optind - 1]; }

  Item missingValue() const {
    // A value can only be missing at the end of argv, so the last argument is the option
    // as the user wrote it: long when it starts with "--".
    const OptionSpec* spec = find(optopt);
    if (spec == nullptr) return error("an option needs a value");  // getopt knows none else
    const bool long_form = lastArgument().starts_with("--") || spec->id >= kLongOnly;
    const std::string name =
        long_form ? std::string("--") + spec->name : std::string("-") + static_cast<char>(spec->id);
    return error("option '" + name + "' needs a value");
  }

  Item badOption() const {
    if (optopt != 0) {
      // A known id here is a long option given "=value" that takes none; any other is a
      // short letter nobody defined.
      if (const OptionSpec* spec = find(optopt)) {
        return error(std::string("option '--") + spec->name + "' takes no value");
      }
      return error(std::string("unknown option '-") + static_cast<char>(optopt) + "'");
    }
    // An unknown or ambiguous long option; getopt names neither, so look again.
    std::string_view given = lastArgument();
    given = given.substr(0, given.find('='));
    std::string matches;
    for (const OptionSpec& spec : specs_) {
      if (std::string_view(spec.name).starts_with(given.substr(2))) {
        matches += matches.empty() ? "--" : ", --";
        matches += spec.name;
      }
    }
    if (matches.find(',') != std::string::npos) {
      return error("ambiguous option '" + std::string(given) + "' (" + matches + ")");
    }
    return error("unknown option '" + std::string(given) + "'");
  }

  std::vector<std::string> args_;
  std::vector<char*> argv_;
  std::vector<OptionSpec> specs_;
  std::string short_options_;
  std::vector<option> long_options_;
  bool options_done_ = false;
  int rest_ = 0;
};

}  // namespace fpmd
