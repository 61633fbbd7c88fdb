// A generated server-like program for `npm run bench -- --watch`: a big live heap (users, sessions,
// a product catalogue and its indexes, route handlers), steady churn (requests that parse a body,
// build a response and mostly die; a bounded cache of recent responses), and a slow leak (an audit
// entry per 5 ms, 200 a second, kept for ever in `auditLog`). Deterministic (seeded).
//   node bench/watch-server.mjs [--heap-mb 150] [--leak-per-s 200] [--requests-per-s 2000]
//                               [--grow-mb-per-s 0]
// --grow-mb-per-s N: a runaway leak instead: every 100 ms it keeps a rendered page of ~N/10 MB
// (a tree of PageNode objects with closures and strings), as a program that never closes its windows.
// Prints `WATCH_SERVER_READY {json}` once the heap is built. `globalThis.watchServerStats()` says
// what the program saw: requests served, its event loop's stalls (the pauses it felt), its peak RSS.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { prng } from './prng.mjs';

const { values: opt } = parseArgs({
  options: {
    'heap-mb': { type: 'string', default: '150' },
    'leak-per-s': { type: 'string', default: '200' },
    'requests-per-s': { type: 'string', default: '2000' },
    'grow-mb-per-s': { type: 'string', default: '0' },
  },
});
const heapMb = Number(opt['heap-mb']);
const leakPerS = Number(opt['leak-per-s']);
const requestsPerS = Number(opt['requests-per-s']);
const growMbPerS = Number(opt['grow-mb-per-s']);

const rand = prng(0x5e12);

class User {
  constructor(id) {
    this.id = id;
    this.name = `user-${id}-${(rand() * 1e9) | 0}`;
    this.email = `${this.name}@example.com`;
    this.roles = id % 10 === 0 ? ['admin', 'user'] : ['user'];
    this.profile = { bio: `bio of ${id} `.repeat(1 + (id % 4)), prefs: { theme: id % 2 ? 'dark' : 'light', lang: 'en' } };
    this.sessions = [];
  }
}
class UserSession {
  constructor(user, k) {
    this.user = user;
    this.token = `t${user.id}.${k}.${(rand() * 1e9) | 0}`;
    this.createdAt = 1_700_000_000_000 + user.id * 1000 + k;
  }
}
class Product {
  constructor(sku) {
    this.sku = `SKU-${sku}`;
    this.title = `product ${sku} ${'z'.repeat(sku % 16)}`;
    this.price = Math.round(rand() * 10000) / 100;
    this.tags = [`t${sku % 7}`, `t${sku % 11}`];
  }
}
class Request {
  constructor(seq, body) {
    this.seq = seq;
    this.url = `/api/products/${seq % 5000}?page=${seq % 7}`;
    this.headers = { 'content-type': 'application/json', 'x-request-id': `r${seq}` };
    this.body = JSON.parse(body);
  }
}
class Response {
  constructor(request, items) {
    this.status = 200;
    this.request = request;
    this.payload = JSON.stringify({ items, seq: request.seq });
  }
}
class AuditEntry {
  constructor(seq, user) {
    this.seq = seq;
    this.userId = user.id;
    this.route = 'GET /api/products';
  }
}
class PageNode {
  constructor(tag, parent) {
    this.tag = tag;
    this.parent = parent;
    this.children = [];
    this.attributes = { id: `${tag}-${(rand() * 1e9) | 0}`, class: 'item row' };
    this.onClick = () => this.children.length;
  }
}

// The live heap: users with sessions, the catalogue and its indexes, route handlers.
const users = new Map();
const products = [];
const bySku = new Map();
const routes = [];
const built0 = performance.now();
for (let p = 0; p < 20_000; p++) {
  const product = new Product(p);
  products.push(product);
  bySku.set(product.sku, product);
}
for (let r = 0; r < 200; r++) {
  const prefix = `/api/v1/route${r}`;
  routes.push({ prefix, handler: (req) => req.url.startsWith(prefix) });
}
let userId = 0;
const targetBytes = heapMb * 1e6;
while (process.memoryUsage().heapUsed < targetBytes) {
  for (let k = 0; k < 5000; k++) {
    const user = new User(userId++);
    for (let s = 0; s < 2; s++) user.sessions.push(new UserSession(user, s));
    users.set(user.name, user);
  }
}
globalThis.gc?.();
const buildMs = performance.now() - built0;

// Churn and the slow leak: a request tick every 10 ms.
const recentResponses = new Map(); // bounded: the oldest goes when it is full
const auditLog = []; // the slow leak: nothing ever removes an entry
const pages = []; // the runaway leak (--grow-mb-per-s): rendered pages never closed
let seq = 0;
let leakOwed = 0;
const TICK_MS = 10;
const stats = { requests: 0, ticks: 0, stallMs: 0, maxStallMs: 0, stalls: 0 };
let lastTick = performance.now();
const userList = [...users.values()];
setInterval(() => {
  const now = performance.now();
  const late = now - lastTick - TICK_MS;
  if (late > 20) {
    stats.stallMs += late;
    stats.stalls++;
    stats.maxStallMs = Math.max(stats.maxStallMs, late);
  }
  lastTick = now;
  stats.ticks++;
  const perTick = (requestsPerS * TICK_MS) / 1000;
  for (let i = 0; i < perTick; i++) {
    const request = new Request(seq++, `{"q":"item ${seq % 97}","page":${seq % 7},"filters":["a","b"]}`);
    const start = (seq * 13) % (products.length - 10);
    const response = new Response(request, products.slice(start, start + 5).map((p) => ({ sku: p.sku, price: p.price })));
    recentResponses.set(request.url + seq, response);
    if (recentResponses.size > 3000) recentResponses.delete(recentResponses.keys().next().value);
    stats.requests++;
  }
  leakOwed += (leakPerS * TICK_MS) / 1000;
  for (; leakOwed >= 1; leakOwed--) auditLog.push(new AuditEntry(seq, userList[seq % userList.length]));
}, TICK_MS);

if (growMbPerS > 0) {
  // ~300 bytes a PageNode with its closure, attributes and strings.
  const nodesPerPage = Math.max(1, Math.round((growMbPerS * 1e6) / 10 / 300));
  setInterval(() => {
    const root = new PageNode('html', null);
    let parent = root;
    for (let i = 0; i < nodesPerPage; i++) {
      const node = new PageNode(i % 3 ? 'div' : 'span', parent);
      parent.children.push(node);
      if (i % 8 === 7) parent = node;
    }
    pages.push(root);
  }, 100);
}

function vmHwmBytes() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The classes, for bench/watch-signals.ts's per-type queries (a real watch finds a prototype through a snapshot's object id). */
globalThis.watchServerTypes = { User, UserSession, Product, Request, Response, AuditEntry, PageNode };
globalThis.watchServerStats = () => ({
  ...stats,
  stallMs: Math.round(stats.stallMs),
  maxStallMs: Math.round(stats.maxStallMs),
  peakRss: vmHwmBytes(),
  heapUsed: process.memoryUsage().heapUsed,
  auditEntries: auditLog.length,
  pages: pages.length,
});
console.log(`WATCH_SERVER_READY ${JSON.stringify({ users: users.size, buildMs: Math.round(buildMs), heapUsed: process.memoryUsage().heapUsed })}`);
