#include "worker/status_dashboard.h"

namespace fpmd::worker {

std::string_view dashboardPage() {
  return R"html(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>fpmd status</title></head>
<body><p>fpmd dashboard: not written yet.</p></body></html>
)html";
}

}  // namespace fpmd::worker
