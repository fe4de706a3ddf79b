#include "top/client.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>

#include "common/option_scanner.h"
#include "top/fetch.h"
#include "top/history.h"
#include "top/model.h"
#include "top/render.h"
#include "top/terminal.h"

namespace fpmd::top {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 64;
// A hung pool (every worker busy: the page is served by a worker) must not freeze the
// view: the refresh fails after this long and the next one tries again.
constexpr int kFetchTimeoutMs = 5000;
constexpr size_t kHistorySize = 60;
constexpr int kMinIntervalMs = 100;
// Room on a chart line for its label and the "<now> (max <max>)" after the bars.
constexpr size_t kChartMargin = 30;

StatusOptions usage(StatusOptions options, std::string error) {
  options.action = StatusOptions::Action::Usage;
  options.error = std::move(error);
  return options;
}

std::optional<int> parseIntervalMs(const std::string& text) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds * 1000 < kMinIntervalMs || seconds > 86400) {
    return std::nullopt;
  }
  return static_cast<int>(std::lround(seconds * 1000));
}

std::string firstLines(const std::string& text, size_t count) {
  size_t end = 0;
  for (size_t line = 0; line < count; ++line) {
    size_t eol = text.find('\n', end);
    if (eol == std::string::npos) return text;
    end = eol + 1;
  }
  return text.substr(0, end);
}

int64_t now() {
  return static_cast<int64_t>(std::time(nullptr));
}

bool localeUtf8() {
  return localeIsUtf8(std::getenv("LC_ALL"), std::getenv("LC_CTYPE"), std::getenv("LANG"));
}

struct Fetched {
  std::optional<StatusSnapshot> snapshot;
  std::string error;
};

Fetched fetch(const StatusOptions& options, const StatusAddress& address) {
  Result<std::string> body =
      fetchStatusPage(address, options.address, options.path,
                      options.all ? "all&json&full" : "json&full", kFetchTimeoutMs);
  if (!body) return {std::nullopt, body.error()};
  Result<StatusSnapshot> snapshot = parseStatusJson(*body);
  if (!snapshot) {
    return {std::nullopt, fmt::format("{}{}: {} (is --path the pool's pm.status_path?)",
                                      options.address, options.path, snapshot.error())};
  }
  return {std::move(*snapshot), {}};
}

std::string title(const StatusOptions& options, bool live, bool keys) {
  std::string text = fmt::format("fpmd status  {}  {}  {:%Y-%m-%d %H:%M:%S}", options.address,
                                 options.path, fmt::localtime(std::time(nullptr)));
  if (live) text += fmt::format("  every {}s", options.interval_ms / 1000.0);
  if (keys) text += "  (q: quit)";
  return text;
}

int runOnce(const StatusOptions& options, const StatusAddress& address,
            const std::string& program) {
  Fetched fetched = fetch(options, address);
  if (!fetched.snapshot) {
    std::fprintf(stderr, "%s status: %s\n", program.c_str(), fetched.error.c_str());
    return kExitFailure;
  }
  std::string out;
  if (options.json) {
    out = statusJsonLine(*fetched.snapshot, now()) + "\n";
  } else {
    StatusHistory history(kHistorySize);  // empty: one sample makes no chart
    FrameOptions frame;
    frame.title = title(options, false, false);
    frame.width = stdoutColumns();
    frame.utf8 = localeUtf8();
    out = renderFrame(&*fetched.snapshot, history, frame);
  }
  std::fputs(out.c_str(), stdout);
  return std::fflush(stdout) == 0 ? 0 : kExitFailure;
}

int runLive(const StatusOptions& options, const StatusAddress& address) {
  // JSON lines stay in the normal screen: they are meant to be kept or piped.
  LiveTerminal terminal(/*full_screen=*/!options.json);
  StatusHistory history(kHistorySize);
  std::optional<StatusSnapshot> last;
  const bool utf8 = localeUtf8();
  while (!terminal.stopRequested()) {
    Fetched fetched = terminal.interruptible([&] { return fetch(options, address); });
    if (terminal.stopRequested()) break;
    if (fetched.snapshot) {
      history.record(*fetched.snapshot);
      last = std::move(fetched.snapshot);
    }
    std::string frame;
    if (options.json) {
      frame = fetched.error.empty() ? statusJsonLine(*last, now())
                                    : statusErrorJsonLine(fetched.error, now());
      frame += '\n';
      if (std::fputs(frame.c_str(), stdout) < 0 || std::fflush(stdout) != 0) break;
    } else {
      FrameOptions frame_options;
      frame_options.title = title(options, true, terminal.interactive());
      frame_options.error = fetched.error;
      frame_options.width = terminal.width();
      frame_options.utf8 = utf8;
      frame_options.chart_width = frame_options.width > kChartMargin + 10
                                      ? std::min(kHistorySize, frame_options.width - kChartMargin)
                                      : kHistorySize;
      frame = renderFrame(last ? &*last : nullptr, history, frame_options);
      // Lines below the screen would scroll the frame off its top.
      if (size_t rows = terminal.height(); rows > 0) frame = firstLines(frame, rows);
      if (!terminal.draw(frame)) break;
    }
    if (!terminal.wait(std::chrono::milliseconds(options.interval_ms))) break;
  }
  return 0;
}

}  // namespace

bool isStatusCommand(const std::vector<std::string>& args) {
  return args.size() > 1 && (args[1] == "status" || args[1] == "top");
}

StatusOptions parseStatusOptions(const std::vector<std::string>& args) {
  enum LongOnly { kConnect = kLongOnly, kPath, kInterval, kOnce, kJson, kAll };
  // args[1], the subcommand, stands in for the program name: getopt skips that slot.
  OptionScanner scanner(
      std::vector<std::string>(args.begin() + std::min<size_t>(args.size(), 1), args.end()),
      {{'h', "help", false},
       {kConnect, "connect", true},
       {kPath, "path", true},
       {kInterval, "interval", true},
       {kOnce, "once", false},
       {kJson, "json", false},
       {kAll, "all", false}});
  StatusOptions options;
  for (;;) {
    OptionScanner::Item item = scanner.next();
    if (item.kind == OptionScanner::Kind::End) break;
    if (item.kind == OptionScanner::Kind::Error) return usage(options, item.error);
    if (item.kind == OptionScanner::Kind::Positional) {
      if (!options.address.empty()) {
        return usage(options, fmt::format("unexpected argument '{}'", item.value));
      }
      options.address = item.value;
      continue;
    }
    const std::string& value = item.value;
    switch (item.id) {
      case 'h':
        options.action = StatusOptions::Action::Help;
        break;
      case kOnce:
        options.once = true;
        break;
      case kJson:
        options.json = true;
        break;
      case kAll:
        options.all = true;
        break;
      case kConnect:
        options.address = value;
        break;
      case kPath:
        if (!value.starts_with("/")) {
          return usage(options, fmt::format("--path must start with '/': '{}'", value));
        }
        options.path = value;
        break;
      case kInterval: {
        std::optional<int> interval = parseIntervalMs(value);
        if (!interval) {
          return usage(options, fmt::format("invalid --interval '{}' (seconds, at least {})", value,
                                            kMinIntervalMs / 1000.0));
        }
        options.interval_ms = *interval;
        break;
      }
    }
  }
  if (options.action == StatusOptions::Action::Run && options.address.empty()) {
    return usage(options, "no address: give the pool's listen address (--connect ADDRESS)");
  }
  return options;
}

std::string statusUsageText(const std::string& program) {
  return fmt::format(
      "Usage: {0} status [--connect] ADDRESS [--path <uri>] [--interval <seconds>] [--once] "
      "[--json] [--all]\n"
      "       {0} top ...  (the same)\n"
      "  Shows a pool's status page (pm.status_path), fetched over FastCGI as a web server\n"
      "  would, as a live table: pools, a chart of active/idle/queue, and workers.\n"
      "  --connect ADDRESS  The pool's listen address: a unix socket path (or unix:/path),\n"
      "                     host:port, [ipv6]:port, or a port on this host\n"
      "  --path <uri>       The pool's pm.status_path (default: /status)\n"
      "  --interval <seconds>\n"
      "                     Time between refreshes (default: 1, at least 0.1)\n"
      "  --once             Fetch once, print, exit (1 when the page cannot be read)\n"
      "  --json             Print one JSON object per refresh:\n"
      "                     {{\"time\":<epoch>,\"pools\":[<the page's pool objects>]}}\n"
      "  --all              Every pool of the master (ask a pm.status_listen socket)\n"
      "  -h, --help         This help\n"
      "  Quit with q, ^C or SIGTERM. Works against php-fpm's status page too.\n",
      program);
}

int runStatusCommand(const std::vector<std::string>& args, const std::string& program) {
  StatusOptions options = parseStatusOptions(args);
  switch (options.action) {
    case StatusOptions::Action::Help:
      std::fputs(statusUsageText(program).c_str(), stdout);
      return 0;
    case StatusOptions::Action::Usage:
      std::fprintf(stderr, "%s status: %s\n%s", program.c_str(), options.error.c_str(),
                   statusUsageText(program).c_str());
      return kExitUsage;
    case StatusOptions::Action::Run:
      break;
  }
  Result<StatusAddress> address = parseStatusAddress(options.address);
  if (!address) {
    std::fprintf(stderr, "%s status: %s\n", program.c_str(), address.error().c_str());
    return kExitUsage;
  }
  return options.once ? runOnce(options, *address, program) : runLive(options, *address);
}

}  // namespace fpmd::top
