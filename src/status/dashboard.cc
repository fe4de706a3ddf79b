#include "status/dashboard.h"

#include <string>

#include "status/dashboard_files.h"

namespace fpmd::status {
namespace {

// Even if a value ever slipped past the script's text-only DOM calls, the browser would run
// no injected script or style and fetch nothing from another origin.
constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Served {
  dashboard_files::EmbeddedFile file;
  std::string_view content_type;
  std::string etag;

  Served(dashboard_files::EmbeddedFile embedded, std::string_view type)
      : file(embedded), content_type(type), etag("\"" + std::string(embedded.sha256) + "\"") {}

  DashboardFile view() const { return {file.bytes, content_type, etag}; }
};

}  // namespace

std::optional<DashboardFile> dashboardFile(StatusFormat format) {
  switch (format) {
    case StatusFormat::Dashboard: {
      static const Served page(dashboard_files::page(), "text/html; charset=utf-8");
      return page.view();
    }
    case StatusFormat::DashboardScript: {
      static const Served script(dashboard_files::script(), "text/javascript; charset=utf-8");
      return script.view();
    }
    case StatusFormat::DashboardStyle: {
      static const Served style(dashboard_files::style(), "text/css; charset=utf-8");
      return style.view();
    }
    default:
      return std::nullopt;
  }
}

std::string_view dashboardContentSecurityPolicy() {
  return kPolicy;
}

}  // namespace fpmd::status
