#pragma once

// The dashboard page in three parts, each kept in its own file so the CSS and the script read
// as CSS and JavaScript; status_dashboard.cc puts them into the HTML document.

#include <string_view>

namespace fpmd::status::dashboard {

/// The page's stylesheet (the body of its <style> element).
std::string_view style();

/// The page's script (the body of its <script> element): polls `?json&full` of the page's
/// own path and renders pools, charts and workers with DOM calls only.
std::string_view script();

}  // namespace fpmd::status::dashboard
