#include "status/dashboard_parts.h"

namespace fpmd::status::dashboard {

// A dark theme with system fonts only (no web fonts: the page loads nothing). The grids
// fold to fewer columns on narrow screens; the workers table scrolls sideways instead.
std::string_view style() {
  return R"css(
:root {
  --bg: #0d1117; --panel: #161b22; --panel2: #1c2230; --border: #30363d;
  --text: #e6edf3; --muted: #8b949e; --accent: #58a6ff; --bad: #f85149;
  color-scheme: dark;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text); }
body {
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  padding: 0 20px 20px;
}
code, .mono, td.num, .stat .value { font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.top {
  display: flex; align-items: center; justify-content: space-between; gap: 12px;
  padding: 14px 0; border-bottom: 1px solid var(--border); margin-bottom: 16px;
}
.top h1 { font-size: 18px; margin: 0; font-weight: 600; letter-spacing: .2px; }
.top h1 span { color: var(--muted); font-weight: 400; }
.meta { color: var(--muted); display: flex; align-items: center; gap: 8px; font-size: 13px; }
.dot { width: 9px; height: 9px; border-radius: 50%; background: var(--muted); }
body[data-state="ok"] .dot { background: #3fb950; }
body[data-state="error"] .dot { background: var(--bad); }
.banner {
  position: fixed; top: 0; left: 0; right: 0; z-index: 10; padding: 8px 20px;
  background: #5a1d1d; color: #ffdcd7; border-bottom: 1px solid var(--bad); font-weight: 500;
}
.banner[hidden] { display: none; }
.muted { color: var(--muted); }
.pool {
  background: var(--panel); border: 1px solid var(--border); border-radius: 8px;
  padding: 14px 16px 16px; margin-bottom: 18px;
}
.pool-head {
  display: flex; align-items: baseline; flex-wrap: wrap; gap: 10px; margin-bottom: 12px;
}
.pool-head h2 { font-size: 17px; margin: 0; font-weight: 600; }
.badge {
  font-size: 12px; padding: 1px 8px; border-radius: 999px; border: 1px solid var(--border);
  color: var(--accent); background: rgba(88, 166, 255, .08);
}
.stats { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 14px; }
.stat {
  flex: 1 1 auto; min-width: 120px; background: var(--panel2); border: 1px solid var(--border);
  border-radius: 6px; padding: 7px 10px;
}
.stat[hidden] { display: none; }
.stat .label {
  color: var(--muted); font-size: 11.5px; text-transform: lowercase; white-space: nowrap;
}
.stat .value { font-size: 17px; font-weight: 600; white-space: nowrap; }
.stat.warn .value { color: #e3b341; }
.charts {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 10px;
  margin-bottom: 14px;
}
.chart {
  margin: 0; background: var(--panel2); border: 1px solid var(--border); border-radius: 6px;
  padding: 8px 10px 6px;
}
.chart[hidden] { display: none; }
.chart figcaption {
  display: flex; justify-content: space-between; gap: 8px; font-size: 12.5px; font-weight: 600;
  margin-bottom: 4px;
}
.legend { display: flex; gap: 10px; font-weight: 400; color: var(--muted); }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
.legend i { display: inline-block; width: 10px; height: 3px; border-radius: 2px; }
.chart canvas { display: block; width: 100%; height: 140px; }
.table-wrap { overflow-x: auto; border: 1px solid var(--border); border-radius: 6px; }
table.workers { width: 100%; border-collapse: collapse; font-size: 13px; }
.workers th, .workers td {
  padding: 5px 8px; text-align: left; white-space: nowrap; border-bottom: 1px solid var(--border);
}
.workers th {
  background: var(--panel2); color: var(--muted); font-weight: 500; font-size: 12px;
  position: sticky; top: 0;
}
.workers tbody tr:last-child td { border-bottom: none; }
.workers tbody tr:hover { background: rgba(255, 255, 255, .03); }
.workers td.num { text-align: right; }
.workers th.num { text-align: right; }
.workers td.text { max-width: 210px; overflow: hidden; text-overflow: ellipsis; }
.state {
  display: inline-block; min-width: 64px; text-align: center; font-size: 12px; font-weight: 600;
  padding: 0 8px; border-radius: 999px; border: 1px solid currentColor;
}
.state-idle { color: #3fb950; }
.state-running { color: #f0883e; }
.state-reading-headers, .state-getting-request-information { color: #d2a8ff; }
.state-finishing { color: #58a6ff; }
.state-ending { color: var(--bad); }
.state-other { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; margin-top: 6px; }
@media (max-width: 640px) {
  body { padding: 0 10px 10px; }
  .stat .value { font-size: 15px; }
}
)css";
}

}  // namespace fpmd::status::dashboard
