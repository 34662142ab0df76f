// The Weft dashboard: reads the control plane's read-only views (/api/*) and draws them with the DOM and SVG.
// No third-party code; every value from the API goes in as text (textContent / SVG attributes), never as markup.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const REFRESH_MS = 5000;
let timer = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function windowParam() { return document.getElementById('window').value; }

async function api(path, params) {
  const query = new URLSearchParams(Object.assign({ window: windowParam() }, params || {}));
  const response = await fetch(path + '?' + query.toString(), { headers: { Accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

// formatting
function rps(v) { return v == null ? '–' : (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)); }
function pct(v) { return v == null ? '–' : (v * 100).toFixed(v >= 0.9995 ? 0 : 2) + '%'; }
function ms(v) { return v == null ? '–' : (v >= 1000 ? (v / 1000).toFixed(2) + ' s' : v.toFixed(v >= 10 ? 0 : 1) + ' ms'); }
function successClass(v) { return v == null ? 'muted' : v >= 0.99 ? 'ok' : v >= 0.95 ? 'warn' : 'bad'; }
function key(s) { return s.namespace + '/' + s.name; }
function serviceHref(s) { return '#/service/' + encodeURIComponent(s.namespace) + '/' + encodeURIComponent(s.name); }
function duration(seconds) {
  if (seconds == null) return '–';
  const s = Math.round(seconds);
  if (s < 0) return 'expired';
  if (s < 120) return s + ' s';
  if (s < 7200) return Math.round(s / 60) + ' min';
  if (s < 172800) return (s / 3600).toFixed(1) + ' h';
  return Math.round(s / 86400) + ' d';
}

// ---- overview: topology, services, proxies ----

async function overview(main) {
  const [graph, proxies] = await Promise.all([api('/api/graph'), api('/api/proxies')]);
  setCrumbs([]);
  main.replaceChildren(
    el('h2', {}, 'Topology'),
    el('section', { class: 'panel' }, topology(graph)),
    el('h2', {}, 'Services'),
    el('section', { class: 'panel' }, servicesTable(graph.nodes)),
    el('h2', {}, 'Proxies'),
    el('section', { class: 'panel' }, proxiesTable(proxies.proxies, true)));
  return graph;
}

// A layered layout: callers left of the services they call (depth by longest path from a service nobody calls).
function layout(nodes, edges, width, height) {
  const depth = new Map(nodes.map(n => [key(n), 0]));
  for (let i = 0; i < nodes.length; i++) {
    let changed = false;
    for (const e of edges) {
      const s = key(e.source), d = key(e.destination);
      if (s !== d && depth.has(s) && depth.has(d) && depth.get(d) < depth.get(s) + 1) {
        depth.set(d, depth.get(s) + 1); changed = true;
      }
    }
    if (!changed) break;
  }
  const columns = new Map();
  for (const n of nodes) {
    const d = Math.min(depth.get(key(n)), nodes.length);
    if (!columns.has(d)) columns.set(d, []);
    columns.get(d).push(n);
  }
  const depths = [...columns.keys()].sort((a, b) => a - b);
  const positions = new Map();
  depths.forEach((d, ci) => {
    const column = columns.get(d);
    const x = (ci + 1) * width / (depths.length + 1);
    column.forEach((n, ri) => positions.set(key(n), { x, y: (ri + 1) * height / (column.length + 1) }));
  });
  return positions;
}

function topology(graph) {
  const width = 900, height = 420, r = 30;
  const root = svg('svg', { class: 'topology', viewBox: `0 0 ${width} ${height}`, id: 'topology' });
  const defs = svg('defs', {});
  for (const [id, colour] of [['ok', '#3fb950'], ['warn', '#d29922'], ['bad', '#f85149'], ['muted', '#8a96a3']]) {
    defs.append(svg('marker', { id: 'arrow-' + id, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7,
      markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: colour })));
  }
  root.append(defs);
  if (graph.nodes.length === 0) {
    root.append(svg('text', { x: width / 2, y: height / 2, fill: '#8a96a3', 'text-anchor': 'middle' },
      'No services yet'));
    return root;
  }
  const pos = layout(graph.nodes, graph.edges, width, height);
  const colours = { ok: '#3fb950', warn: '#d29922', bad: '#f85149', muted: '#8a96a3' };
  for (const e of graph.edges) {
    const a = pos.get(key(e.source)), b = pos.get(key(e.destination));
    if (!a || !b) continue;
    const cls = e.requests > 0 ? successClass(e.successRate) : 'muted';
    const g = svg('g', { class: 'edge', 'data-source': key(e.source), 'data-destination': key(e.destination),
      'data-rps': String(e.rps), 'data-requests': String(e.requests) });
    let d;
    const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
    const sx = a.x + dx / len * r, sy = a.y + dy / len * r, ex = b.x - dx / len * r, ey = b.y - dy / len * r;
    if (key(e.source) === key(e.destination)) {
      d = `M ${a.x - 10} ${a.y - r} C ${a.x - 40} ${a.y - 90}, ${a.x + 40} ${a.y - 90}, ${a.x + 10} ${a.y - r}`;
    } else {
      d = `M ${sx} ${sy} L ${ex} ${ey}`;
    }
    g.append(svg('path', { d, stroke: colours[cls], 'marker-end': `url(#arrow-${cls})` }));
    const label = `${rps(e.rps)} rps · ${pct(e.successRate)} · p99 ${ms(e.p99)}`;
    const mx = (sx + ex) / 2, my = (sy + ey) / 2 - 8;
    g.append(svg('rect', { x: mx - label.length * 3.1, y: my - 11, width: label.length * 6.2, height: 15, rx: 3 }));
    g.append(svg('text', { x: mx, y: my }, label));
    root.append(g);
  }
  for (const n of graph.nodes) {
    const p = pos.get(key(n));
    const a = svg('a', { href: serviceHref(n) });
    const g = svg('g', { class: 'node', 'data-service': key(n) },
      svg('circle', { cx: p.x, cy: p.y, r }),
      svg('text', { x: p.x, y: p.y + r + 16 }, n.name),
      svg('text', { x: p.x, y: p.y + 4, class: 'sub' }, n.requests > 0 ? rps(n.rps) + '/s' : n.namespace));
    a.append(g);
    root.append(a);
  }
  return root;
}

function servicesTable(services) {
  if (services.length === 0) return el('p', { class: 'empty' }, 'No services.');
  const rows = services.map(s => el('tr', { 'data-service': key(s) },
    el('td', {}, el('a', { href: serviceHref(s) }, s.name)),
    el('td', {}, s.namespace),
    el('td', { class: 'num' }, rps(s.rps)),
    el('td', { class: 'num ' + successClass(s.successRate) }, pct(s.successRate)),
    el('td', { class: 'num' }, ms(s.p50)), el('td', { class: 'num' }, ms(s.p95)), el('td', { class: 'num' }, ms(s.p99))));
  return el('table', { id: 'services' },
    el('thead', {}, el('tr', {}, el('th', {}, 'service'), el('th', {}, 'namespace'), el('th', { class: 'num' }, 'rps'),
      el('th', { class: 'num' }, 'success'), el('th', { class: 'num' }, 'p50'), el('th', { class: 'num' }, 'p95'),
      el('th', { class: 'num' }, 'p99'))),
    el('tbody', {}, ...rows));
}

function proxiesTable(proxies, withService) {
  if (proxies.length === 0) return el('p', { class: 'empty' }, 'No proxies connected.');
  const types = ['LDS', 'RDS', 'CDS', 'EDS', 'SDS'];
  const rows = proxies.map(p => el('tr', { 'data-proxy': p.id },
    el('td', {}, p.id),
    ...(withService ? [el('td', {}, el('a', { href: serviceHref({ namespace: p.namespace, name: p.service }) },
      p.service))] : []),
    el('td', { class: p.synced ? 'ok' : 'warn' }, p.synced ? 'SYNCED' : 'STALE'),
    el('td', {}, types.filter(t => p.types[t]).map(t => t + ' ' + p.types[t].status.replace('NOT_SENT', '–')
      .replace('SYNCED', '✓')).join('  ')),
    el('td', { class: p.scrape.error ? 'bad' : '' }, p.scrape.error ? 'error: ' + p.scrape.error
      : p.scrape.lastSuccess ? 'ok' : (p.adminAddress ? 'pending' : 'no admin address')),
    el('td', { class: 'num ' + (p.certificateExpiresInSeconds != null && p.certificateExpiresInSeconds < 3600 ? 'warn' : '') },
      duration(p.certificateExpiresInSeconds))));
  return el('table', { class: 'proxies' },
    el('thead', {}, el('tr', {}, el('th', {}, 'proxy'), ...(withService ? [el('th', {}, 'service')] : []),
      el('th', {}, 'sync'), el('th', {}, 'xDS'), el('th', {}, 'metrics'), el('th', { class: 'num' }, 'cert expires in'))),
    el('tbody', {}, ...rows));
}

// ---- one service ----

async function servicePage(main, namespace, name) {
  const s = await api('/api/service', { namespace, name });
  setCrumbs([{ text: namespace + '/' + name }]);
  const sig = s.signals;
  main.replaceChildren(
    el('div', { class: 'tiles', id: 'signals' },
      tile('requests/s', rps(sig.rps)), tile('success', pct(sig.successRate), successClass(sig.successRate)),
      tile('p50', ms(sig.p50)), tile('p95', ms(sig.p95)), tile('p99', ms(sig.p99)),
      tile('requests in ' + s.window, String(sig.requests))),
    el('h2', {}, 'Golden signals over the last ' + s.window + ' (one point per scrape, every ' + s.scrapeInterval + ')'),
    el('div', { class: 'charts' },
      chart('Requests per second', s.series, [{ name: 'rps', colour: '#58a6ff', value: p => p.rps }], rps),
      chart('Success rate', s.series, [{ name: 'success', colour: '#3fb950', value: p => p.successRate }], pct, 1),
      chart('Latency', s.series, [
        { name: 'p50', colour: '#58a6ff', value: p => p.p50 },
        { name: 'p95', colour: '#d29922', value: p => p.p95 },
        { name: 'p99', colour: '#f85149', value: p => p.p99 }], ms)),
    el('h2', {}, 'Traffic in'), el('section', { class: 'panel' }, edgesTable(s.inbound, 'source')),
    el('h2', {}, 'Traffic out'), el('section', { class: 'panel' }, edgesTable(s.outbound, 'destination')),
    el('h2', {}, 'Routes'), el('section', { class: 'panel', id: 'routes' }, resources(s.routes)),
    el('h2', {}, 'Policies'), el('section', { class: 'panel', id: 'policies' }, resources(s.policies)),
    el('h2', {}, 'Instances'), el('section', { class: 'panel' }, instancesTable(s.instances)),
    el('h2', {}, 'Proxies'), el('section', { class: 'panel', id: 'service-proxies' }, proxiesTable(s.proxies, false)));
}

function tile(label, value, cls) {
  return el('div', { class: 'tile' }, el('div', { class: 'label' }, label),
    el('div', { class: 'value ' + (cls || '') }, value));
}

function chart(title, points, lines, format, fixedMax) {
  const width = 480, height = 160, left = 56, right = 8, top = 8, bottom = 20;
  const root = svg('svg', { class: 'chart-svg', viewBox: `0 0 ${width} ${height}` });
  const values = points.flatMap(p => lines.map(l => l.value(p))).filter(v => v != null);
  // an empty or all-zero series still gets a readable axis
  const max = fixedMax || (Math.max(0, ...values) * 1.1 || 1);
  const t0 = points.length ? Date.parse(points[0].at) : 0, t1 = points.length ? Date.parse(points[points.length - 1].at) : 1;
  const x = t => left + (t1 > t0 ? (t - t0) / (t1 - t0) : 1) * (width - left - right);
  const y = v => top + (1 - v / max) * (height - top - bottom);
  for (const f of [0, 0.5, 1]) {
    root.append(svg('line', { class: 'axis', x1: left, x2: width - right, y1: y(max * f), y2: y(max * f) }));
    root.append(svg('text', { x: left - 4, y: y(max * f) + 3, 'text-anchor': 'end' }, format(max * f)));
  }
  if (points.length) {
    root.append(svg('text', { x: left, y: height - 4 }, new Date(t0).toLocaleTimeString()));
    root.append(svg('text', { x: width - right, y: height - 4, 'text-anchor': 'end' }, new Date(t1).toLocaleTimeString()));
  }
  for (const l of lines) {
    // a point without a value (no requests in that interval) breaks the line
    let run = [];
    const flush = () => {
      if (run.length === 1) root.append(svg('circle', { cx: run[0][0], cy: run[0][1], r: 2, fill: l.colour }));
      if (run.length > 1) root.append(svg('polyline', { points: run.map(p => p.join(',')).join(' '), stroke: l.colour }));
      run = [];
    };
    for (const p of points) {
      const v = l.value(p);
      if (v == null) flush(); else run.push([x(Date.parse(p.at)).toFixed(1), y(v).toFixed(1)]);
    }
    flush();
  }
  const legend = el('div', { class: 'legend' }, ...lines.map(l => {
    const last = [...points].reverse().find(p => l.value(p) != null);
    return el('span', {}, l.name + ' ' + (last ? format(l.value(last)) : '–'));
  }));
  return el('section', { class: 'panel chart' }, el('h3', {}, title), root, legend);
}

function edgesTable(edges, side) {
  if (edges.length === 0) return el('p', { class: 'empty' }, 'None in this window.');
  return el('table', {},
    el('thead', {}, el('tr', {}, el('th', {}, side), el('th', { class: 'num' }, 'rps'), el('th', { class: 'num' }, 'success'),
      el('th', { class: 'num' }, 'p50'), el('th', { class: 'num' }, 'p95'), el('th', { class: 'num' }, 'p99'))),
    el('tbody', {}, ...edges.map(e => el('tr', {},
      el('td', {}, el('a', { href: serviceHref(e[side]) }, key(e[side]))),
      el('td', { class: 'num' }, rps(e.rps)), el('td', { class: 'num ' + successClass(e.successRate) }, pct(e.successRate)),
      el('td', { class: 'num' }, ms(e.p50)), el('td', { class: 'num' }, ms(e.p95)), el('td', { class: 'num' }, ms(e.p99))))));
}

function resources(list) {
  if (list.length === 0) return el('p', { class: 'empty' }, 'None.');
  return el('div', {}, ...list.map(r => el('details', { 'data-resource': r.kind + '/' + r.namespace + '/' + r.name },
    el('summary', {}, `${r.kind} ${r.namespace}/${r.name} `, el('span', { class: 'muted' }, '(' + r.relation + ')')),
    el('pre', {}, r.yaml))));
}

function instancesTable(instances) {
  if (instances.length === 0) return el('p', { class: 'empty' }, 'No registered instances.');
  return el('table', {},
    el('thead', {}, el('tr', {}, el('th', {}, 'instance'), el('th', {}, 'address'), el('th', {}, 'health'), el('th', {}, 'labels'))),
    el('tbody', {}, ...instances.map(i => el('tr', {}, el('td', {}, i.name), el('td', {}, i.address + ':' + i.port),
      el('td', { class: i.health === 'HEALTHY' ? 'ok' : 'warn' }, i.health),
      el('td', {}, Object.entries(i.labels).map(([k, v]) => k + '=' + v).join(', '))))));
}

// ---- routing and refresh ----

function setCrumbs(parts) {
  const nav = document.getElementById('crumbs');
  nav.replaceChildren(...parts.flatMap(p => [' / ', p.text]));
}

async function render() {
  clearTimeout(timer);
  const main = document.getElementById('main');
  const updated = document.getElementById('updated');
  const route = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (route[0] === 'service' && route.length >= 3) {
      await servicePage(main, route[1], route[2]);
    } else {
      await overview(main);
    }
    updated.textContent = 'updated ' + new Date().toLocaleTimeString();
    updated.className = 'muted';
    document.body.setAttribute('data-loaded', 'true');
  } catch (e) {
    updated.textContent = 'cannot load: ' + e.message;
    updated.className = 'bad';
  }
  timer = setTimeout(render, REFRESH_MS);
}

window.addEventListener('hashchange', render);
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('window').addEventListener('change', render);
  render();
});
