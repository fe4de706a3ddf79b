#include "status/dashboard.h"

#include <string>

#include "status/dashboard_parts.h"

namespace fpmd::status {
namespace {

// The policy forbids every load the page does not need: even if a value ever slipped past
// the script's text-only DOM calls, the browser would fetch nothing from another origin.
constexpr std::string_view kHead =
    R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content=")html"
    R"html(default-src 'none'; script-src 'unsafe-inline'; )html"
    R"html(style-src 'unsafe-inline'; connect-src 'self'; img-src data:">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>fpmd status</title>
<style>)html";

constexpr std::string_view kBody = R"html(</style>
</head>
<body data-updates="0" data-state="loading">
<div id="banner" class="banner" role="alert" hidden></div>
<header class="top">
<h1>fpmd <span>status</span></h1>
<div class="meta"><span class="dot" aria-hidden="true"></span>
<span id="updated">connecting…</span></div>
</header>
<main id="pools"><p id="placeholder" class="muted">Waiting for the first status answer…</p></main>
<footer>Source <code id="source"></code>, read every second; the charts hold the history
since this page was opened.</footer>
<script>)html";

constexpr std::string_view kTail = R"html(</script>
</body>
</html>
)html";

}  // namespace

std::string_view dashboardPage() {
  static const std::string page = [] {
    std::string out;
    out.append(kHead).append(dashboard::style()).append(kBody);
    out.append(dashboard::script()).append(kTail);
    return out;
  }();
  return page;
}

}  // namespace fpmd::status
