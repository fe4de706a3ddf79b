// The dashboard's script (?dashboard.js): polls `?json&full` of the page's own path and
// renders pools, charts and workers. Request URIs, scripts and even pool names come from
// outside, so every value from the JSON reaches the DOM through textContent or
// setAttribute, never through HTML parsing. The history lives only in the page: it starts
// when the page is opened.
'use strict';
(() => {
  const REFRESH_MS = 1000;
  const HISTORY = 600;  // samples kept per pool: ten minutes at one a second
  // The page's own path: other query keys of the page URL (?dashboard, ...) are not passed on,
  // except `all`, which asks a master-served status socket (pm.status_listen) for every pool.
  const ALL = new URLSearchParams(location.search).has('all');
  const SOURCE = location.pathname + (ALL ? '?all&json&full' : '?json&full');
  const COLORS = {
    total: '#58a6ff', idle: '#3fb950', active: '#f0883e', queue: '#d2a8ff', rate: '#39c5cf',
    p99: '#ff7b72', p95: '#e3b341', p50: '#7ee787',
  };
  const GRID = '#2a313c';
  const AXIS_TEXT = '#8b949e';

  // ---- formatting ----
  const num = (v) => (typeof v === 'number' && isFinite(v) ? v : null);
  const fmtInt = (v) => (num(v) === null ? '–' : Math.round(v).toLocaleString('en-US'));
  function fmtDuration(seconds) {
    if (num(seconds) === null) return '–';
    let s = Math.max(0, Math.floor(seconds));
    const d = Math.floor(s / 86400); s %= 86400;
    const h = Math.floor(s / 3600); s %= 3600;
    const m = Math.floor(s / 60); s %= 60;
    if (d) return d + 'd ' + h + 'h';
    if (h) return h + 'h ' + m + 'm';
    if (m) return m + 'm ' + s + 's';
    return s + 's';
  }
  function fmtMicros(us) {
    if (num(us) === null) return '–';
    if (us < 1000) return Math.round(us) + ' µs';
    if (us < 1e6) return +(us / 1000).toPrecision(3) + ' ms';
    return +(us / 1e6).toPrecision(3) + ' s';
  }
  function fmtBytes(b) {
    if (num(b) === null) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
    return (i ? b.toFixed(b < 10 ? 1 : 0) : b) + ' ' + units[i];
  }
  const fmtRate = (v) => (num(v) === null ? '–' : +v.toFixed(v < 10 ? 2 : 1) + '');
  const fmtCpu = (v) => (num(v) === null ? '–' : v.toFixed(2) + '%');
  const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

  // ---- DOM helpers (text only) ----
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- charts ----
  const CHARTS = [
    { id: 'processes', title: 'Processes', format: fmtInt, integer: true, step: true,
      series: [['total', 'total'], ['idle', 'idle'], ['active', 'active']], fill: 'active' },
    { id: 'queue', title: 'Listen queue', format: fmtInt, integer: true, step: true,
      series: [['queue', 'queued']], fill: 'queue' },
    { id: 'rate', title: 'Requests / s', format: fmtRate,
      series: [['rate', 'accepted/s']], fill: 'rate' },
    { id: 'latency', title: 'Request duration', format: fmtMicros, optional: true, log: true,
      series: [['p99', 'p99'], ['p95', 'p95'], ['p50', 'p50']] },
  ];

  // A round axis top with four equal steps (1, 2 or 5 times a power of ten per step).
  function axisTop(max, integer) {
    const raw = Math.max(max, integer ? 4 : 1e-9) / 4;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    let step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw - 1e-12);
    if (integer) step = Math.max(1, Math.ceil(step));
    return step * 4;
  }

  function drawChart(canvas, def, samples) {
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) return;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const left = 48, right = w - 6, top = 6, bottom = h - 18;
    // Latencies spread over decades, so that chart has a log axis with a line per decade.
    let max = 0, min = Infinity;
    for (const s of samples) {
      for (const [key] of def.series) {
        if (num(s[key]) === null) continue;
        max = Math.max(max, s[key]);
        min = Math.min(min, s[key]);
      }
    }
    let y, ticks;
    if (def.log) {
      const lo = Math.floor(Math.log10(Math.max(min === Infinity ? 1 : min, 1)));
      const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1))));
      const scale = (bottom - top) / (hi - lo);
      y = (v) => Math.round(bottom - (Math.log10(Math.max(v, 1)) - lo) * scale);
      const every = Math.ceil((hi - lo) / 5);
      ticks = [];
      for (let e = lo; e <= hi; e += every) ticks.push(Math.pow(10, e));
    } else {
      const yTop = axisTop(max, def.integer);
      y = (v) => Math.round(bottom - (v / yTop) * (bottom - top));
      ticks = [0, 1, 2, 3, 4].map((i) => (yTop * i) / 4);
    }
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = GRID;
    ctx.fillStyle = AXIS_TEXT;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of ticks) {
      const gy = y(v) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, gy); ctx.lineTo(right, gy); ctx.stroke();
      ctx.fillText(def.format(v), left - 6, gy);
    }
    if (!samples.length) return;
    const t0 = samples[0].t, t1 = samples[samples.length - 1].t;
    const span = Math.max(t1 - t0, 1e-3);
    // History since the page opened fills the width until it reaches HISTORY samples.
    const x = (t) =>
      Math.round(samples.length === 1 ? right : left + ((t - t0) / span) * (right - left));
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    ctx.fillText('−' + fmtDuration(t1 - t0), left, h - 4);
    ctx.textAlign = 'right';
    ctx.fillText('now', right, h - 4);

    const path = (key) => {
      const pts = [];
      for (const s of samples) if (num(s[key]) !== null) pts.push([x(s.t), y(s[key])]);
      if (pts.length === 1) pts.unshift([left, pts[0][1]]);  // one sample: a level line
      return pts;
    };
    if (def.fill) {
      const pts = path(def.fill);
      if (pts.length > 1) {
        ctx.beginPath();
        ctx.moveTo(pts[0][0], bottom);
        pts.forEach(([px, py], i) => {
          if (def.step && i) ctx.lineTo(px, pts[i - 1][1]);
          ctx.lineTo(px, py);
        });
        ctx.lineTo(pts[pts.length - 1][0], bottom);
        ctx.closePath();
        ctx.globalAlpha = 0.14;
        ctx.fillStyle = COLORS[def.fill];
        ctx.fill();
        ctx.globalAlpha = 1;
      }
    }
    ctx.lineWidth = 2;
    ctx.lineJoin = 'miter';
    for (const [key] of def.series) {
      const pts = path(key);
      if (pts.length < 2) continue;
      ctx.strokeStyle = COLORS[key];
      ctx.beginPath();
      pts.forEach(([px, py], i) => {
        if (!i) { ctx.moveTo(px, py); return; }
        if (def.step) ctx.lineTo(px, pts[i - 1][1]);
        ctx.lineTo(px, py);
      });
      ctx.stroke();
    }
  }

  // ---- pools ----
  const pools = new Map();  // pool name -> view (elements, history, last counters)
  const usedKeys = new Set();
  const main = document.getElementById('pools');

  function idKey(name) {
    const base = String(name).replace(/[^A-Za-z0-9_-]/g, '_') || 'pool';
    let key = base;
    for (let n = 2; usedKeys.has(key); n++) key = base + '-' + n;
    usedKeys.add(key);
    return key;
  }

  const STATS = [
    ['accepted', 'accepted conn'],
    ['rate', 'requests / s'],
    ['processes', 'active / idle / total'],
    ['max-active', 'max active processes'],
    ['max-children', 'max children reached'],
    ['slow', 'slow requests'],
    ['queue', 'listen queue / max / len'],
    ['latency', 'duration p50 / p95 / p99'],
    ['memory', 'memory rss / pss'],
  ];

  // The memory governor's panel (fpmd only): what it plans with and what it decided.
  const MEMORY_STATS = [
    ['mem-guard', 'guard'],
    ['mem-max-children', 'max children'],
    ['mem-budget', 'budget'],
    ['mem-reserve', 'reserve'],
    ['mem-available', 'available / limit'],
    ['mem-footprint', 'worker footprint'],
    ['mem-recycled', 'recycled for memory'],
  ];
  const GOVERNOR_NUMBERS = ['max children', 'memory budget', 'memory reserve', 'memory limit',
                            'memory available', 'worker footprint', 'recycled for memory'];

  function statCards(list, statValues) {
    const stats = el('div', { class: 'stats' });
    for (const [id, label] of list) {
      const card = el('div', { class: 'stat', 'data-stat': id });
      card.append(el('div', { class: 'label' }, label));
      statValues[id] = el('div', { class: 'value' }, '–');
      card.append(statValues[id]);
      stats.append(card);
    }
    return stats;
  }

  function createPool(name) {
    const key = idKey(name);
    const section = el('section', { class: 'pool', id: 'pool-' + key, 'data-pool': name });
    const head = el('header', { class: 'pool-head' });
    head.append(el('h2', {}, name));
    const pm = el('span', { class: 'badge pm' });
    const since = el('span', { class: 'muted since' });
    head.append(pm, since);
    const statValues = {};
    const stats = statCards(STATS, statValues);
    // Hidden until the server sends something the governor decided (never for PHP-FPM).
    const memory = el('div', { class: 'memory', 'data-panel': 'memory' });
    memory.append(el('h3', {}, 'Memory'), statCards(MEMORY_STATS, statValues));
    memory.hidden = true;
    const charts = el('div', { class: 'charts' });
    const canvases = {};
    for (const def of CHARTS) {
      const fig = el('figure', { class: 'chart', 'data-chart': def.id });
      const cap = el('figcaption', {}, def.title);
      const legend = el('span', { class: 'legend' });
      for (const [k, label] of def.series.slice().reverse()) {
        const item = el('span');
        const sw = el('i');
        sw.style.background = COLORS[k];
        item.append(sw, document.createTextNode(label));
        legend.append(item);
      }
      cap.append(legend);
      const canvas = el('canvas', { id: 'chart-' + def.id + '-' + key, 'data-chart': def.id });
      fig.append(cap, canvas);
      if (def.optional) fig.hidden = true;
      charts.append(fig);
      canvases[def.id] = canvas;
    }
    const wrap = el('div', { class: 'table-wrap' });
    const table = el('table', { class: 'workers', id: 'workers-' + key, 'data-pool': name });
    const thead = el('thead');
    const tbody = el('tbody');
    table.append(thead, tbody);
    wrap.append(table);
    section.append(head, stats, memory, charts, wrap);
    return { key, section, pm, since, stats, memory, statValues, canvases, table, thead, tbody,
             columns: '', history: [], last: null };
  }

  function setStat(view, id, text, present) {
    const value = view.statValues[id];
    value.textContent = text;
    value.parentNode.hidden = !present;
  }

  function updatePool(view, p, now) {
    const accepted = num(p['accepted conn']);
    const prev = view.last;
    let rate = null;
    if (prev && accepted !== null && prev.accepted !== null && accepted >= prev.accepted &&
        prev.start === p['start time'] && now > prev.t) {
      rate = (accepted - prev.accepted) / (now - prev.t);
    }
    view.last = { t: now, accepted, start: p['start time'] };
    const sample = {
      t: now, active: num(p['active processes']), idle: num(p['idle processes']),
      total: num(p['total processes']), queue: num(p['listen queue']), rate,
      p50: num(p['request duration p50']), p95: num(p['request duration p95']),
      p99: num(p['request duration p99']),
    };
    view.history.push(sample);
    if (view.history.length > HISTORY) view.history.shift();

    view.pm.textContent = String(p['process manager'] ?? '?');
    view.since.textContent = 'up ' + fmtDuration(p['start since']);
    setStat(view, 'accepted', fmtInt(p['accepted conn']), true);
    setStat(view, 'rate', fmtRate(rate), true);
    setStat(view, 'processes', [p['active processes'], p['idle processes'],
                                p['total processes']].map(fmtInt).join(' / '), true);
    setStat(view, 'max-active', fmtInt(p['max active processes']), true);
    setStat(view, 'max-children', fmtInt(p['max children reached']), true);
    view.statValues['max-children'].parentNode.classList.toggle(
        'warn', (num(p['max children reached']) || 0) > 0);
    setStat(view, 'slow', fmtInt(p['slow requests']), true);
    view.statValues['slow'].parentNode.classList.toggle('warn', (num(p['slow requests']) || 0) > 0);
    setStat(view, 'queue', [p['listen queue'], p['max listen queue'],
                            p['listen queue len']].map(fmtInt).join(' / '), true);
    const hasLatency = sample.p50 !== null;
    setStat(view, 'latency', [sample.p50, sample.p95, sample.p99].map(fmtMicros).join(' / '),
            hasLatency);
    const hasMemory = num(p['memory rss']) !== null || num(p['memory pss']) !== null;
    setStat(view, 'memory', fmtBytes(p['memory rss']) + ' / ' + fmtBytes(p['memory pss']),
            hasMemory);
    updateMemory(view, p);
    view.canvases.latency.parentNode.hidden = !hasLatency;
    renderWorkers(view, Array.isArray(p.processes) ? p.processes : []);
    drawPool(view);
  }

  // Zeros and "off" are what fpmd sends with no governor configured: then there is no panel.
  function updateMemory(view, p) {
    const positive = (key) => (num(p[key]) || 0) > 0;
    const guard = typeof p['memory guard'] === 'string' ? p['memory guard'] : null;
    const auto = p['max children auto'] === true || (num(p['max children auto']) || 0) > 0;
    view.memory.hidden = !(GOVERNOR_NUMBERS.some(positive) || auto ||
                           (guard !== null && guard !== 'off'));
    if (view.memory.hidden) return;
    const bytes = (key) => (positive(key) ? fmtBytes(p[key]) : '–');
    setStat(view, 'mem-guard', guard ?? '–', guard !== null);
    const guardCard = view.statValues['mem-guard'].parentNode;
    guardCard.dataset.guard = guard ?? '';
    // Under the reserve is a warning; memory pressure (PSI) is the bad case.
    guardCard.classList.toggle('warn', guard === 'low');
    guardCard.classList.toggle('bad', guard === 'pressure');
    const children = positive('max children') ? fmtInt(p['max children']) : '';
    // "auto" alone: pm.max_children = auto, not computed yet.
    const autoText = children ? children + ' (auto)' : 'auto';
    setStat(view, 'mem-max-children', auto ? autoText : children, children !== '' || auto);
    setStat(view, 'mem-budget', bytes('memory budget'), positive('memory budget'));
    setStat(view, 'mem-reserve', bytes('memory reserve'), positive('memory reserve'));
    setStat(view, 'mem-available', bytes('memory available') + ' / ' + bytes('memory limit'),
            positive('memory available') || positive('memory limit'));
    setStat(view, 'mem-footprint', bytes('worker footprint'), positive('worker footprint'));
    setStat(view, 'mem-recycled', fmtInt(p['recycled for memory']),
            num(p['recycled for memory']) !== null);
  }

  // Where the table and each chart sit on the page ("x,y,width,height" in CSS pixels), so a
  // test can look for the chart colours in a screenshot of exactly those areas.
  function markRect(node) {
    const r = node.getBoundingClientRect();
    node.dataset.rect = [r.left + scrollX, r.top + scrollY, r.width, r.height]
                            .map(Math.round).join(',');
  }

  function drawPool(view) {
    for (const def of CHARTS) {
      const canvas = view.canvases[def.id];
      if (canvas.parentNode.hidden) continue;
      drawChart(canvas, def, view.history);
      markRect(canvas);
    }
    markRect(view.table);
  }

  // ---- workers ----
  const BASE_COLUMNS = [
    ['pid', 'pid', 'num', (w) => fmtIntPlain(w.pid)],
    ['state', 'state', '', null],
    ['start since', 'start since', 'num', (w) => fmtDuration(w['start since'])],
    ['requests', 'requests', 'num', (w) => fmtInt(w.requests)],
    ['request duration', 'duration', 'num', (w) => fmtMicros(w['request duration'])],
    ['request method', 'method', '', (w) => String(w['request method'] ?? '')],
    ['request uri', 'uri', 'text', (w) => String(w['request uri'] ?? '')],
    ['script', 'script', 'text', (w) => String(w.script ?? '')],
    ['last request cpu', 'last cpu', 'num', (w) => fmtCpu(w['last request cpu'])],
    ['last request memory', 'last memory', 'num', (w) => fmtBytes(w['last request memory'])],
  ];
  // A memory column is shown when some worker has a value; the fifth element, when there is
  // one, says which values count.
  const MEMORY_COLUMNS = [
    ['memory rss', 'rss', 'num', (w) => fmtBytes(w['memory rss'])],
    ['memory pss', 'pss', 'num', (w) => fmtBytes(w['memory pss'])],
    // The worker's own reading, taken only when pm.max_memory asks for it: 0 says nothing.
    ['rss after request', 'rss after req', 'num',
     (w) => ((num(w['rss after request']) || 0) > 0 ? fmtBytes(w['rss after request']) : '–'),
     (v) => v > 0],
  ];
  function fmtIntPlain(v) { return num(v) === null ? String(v ?? '') : String(v); }

  function renderWorkers(view, procs) {
    const columns = BASE_COLUMNS.concat(
        MEMORY_COLUMNS.filter(([k, , , , counts = (v) => v !== null]) =>
          procs.some((w) => counts(num(w[k])))));
    const signature = columns.map((c) => c[0]).join('|');
    if (signature !== view.columns) {
      view.columns = signature;
      const row = el('tr');
      for (const [key, label, cls] of columns) {
        row.append(el('th', { class: cls, 'data-key': key }, label));
      }
      view.thead.replaceChildren(row);
    }
    const rows = procs.slice().sort((a, b) => (num(a.pid) ?? 0) - (num(b.pid) ?? 0)).map((w) => {
      const tr = el('tr', { 'data-pid': String(w.pid), 'data-state': slug(w.state ?? '') });
      for (const [key, , cls, format] of columns) {
        const td = el('td', { class: cls, 'data-key': key });
        if (key === 'state') {
          const known = ['idle', 'running', 'reading-headers', 'getting-request-information',
                         'finishing', 'ending'];
          const s = slug(w.state ?? '');
          td.append(el('span', { class: 'state state-' + (known.includes(s) ? s : 'other') },
                       String(w.state ?? '?')));
        } else {
          td.textContent = format(w);
          if (cls === 'text') td.setAttribute('title', td.textContent);
        }
        tr.append(td);
      }
      return tr;
    });
    if (!rows.length) {
      const tr = el('tr', { class: 'empty' });
      tr.append(el('td', { colspan: String(columns.length), class: 'muted' },
                   'no processes (ask with ?full)'));
      rows.push(tr);
    }
    view.tbody.replaceChildren(...rows);
  }

  // ---- polling ----
  const body = document.body;
  const banner = document.getElementById('banner');
  const updated = document.getElementById('updated');
  let updates = 0;
  let errors = 0;

  function render(data) {
    const list = data && Array.isArray(data.pools) ? data.pools : [data];
    if (!list.length || list.some((p) => !p || typeof p !== 'object' || !('pool' in p))) {
      throw new Error('unexpected JSON (no "pool" key)');
    }
    const now = Date.now() / 1000;
    const seen = new Set();
    const placeholder = document.getElementById('placeholder');
    if (placeholder) placeholder.remove();
    for (const p of list) {
      const name = String(p.pool);
      seen.add(name);
      let view = pools.get(name);
      if (!view) {
        view = createPool(name);
        pools.set(name, view);
        main.append(view.section);
      }
      updatePool(view, p, now);
    }
    for (const [name, view] of pools) {
      if (seen.has(name)) continue;
      view.section.remove();
      usedKeys.delete(view.key);
      pools.delete(name);
    }
  }

  async function refresh() {
    try {
      const resp = await fetch(SOURCE, { cache: 'no-store',
                                         headers: { Accept: 'application/json' } });
      if (!resp.ok) throw new Error('HTTP ' + resp.status + ' ' + resp.statusText);
      const text = await resp.text();
      let data;
      try { data = JSON.parse(text); } catch (e) { throw new Error('not JSON: ' + e.message); }
      render(data);
      updates++;
      body.dataset.updates = String(updates);
      body.dataset.state = 'ok';
      banner.hidden = true;
      updated.textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      errors++;
      body.dataset.errors = String(errors);
      body.dataset.state = 'error';
      banner.textContent = 'status unavailable: ' + (e && e.message ? e.message : String(e)) +
                           ' (retrying every ' + REFRESH_MS / 1000 + ' s)';
      banner.hidden = false;
    } finally {
      setTimeout(refresh, REFRESH_MS);
    }
  }

  document.getElementById('source').textContent = SOURCE;
  window.addEventListener('resize', () => { for (const view of pools.values()) drawPool(view); });
  refresh();
})();
