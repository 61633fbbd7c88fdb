// The control: the same kind of work as leaky-server.js without the leaks. Sessions expire, trees
// are dropped after the request, and the listener is removed. Its heap stays flat under Leak Watch.
const { EventEmitter } = require('node:events');
const { randomUUID } = require('node:crypto');
const { serve } = require('./serve');

const SESSION_TTL_MS = 2000;
const sessions = new Map();
const events = new EventEmitter();

function handle(path) {
  const id = randomUUID();
  sessions.set(id, { id, path, createdAt: Date.now(), payload: new Array(64).fill(id) });

  const root = { name: `request ${id}`, parent: null, children: [] };
  for (let i = 0; i < 3; i++) root.children.push({ name: `part ${i}`, parent: root, children: [] });

  const onConfigChanged = () => root.name;
  events.on('config-changed', onConfigChanged);
  events.off('config-changed', onConfigChanged);
  return id;
}

setInterval(() => {
  const cutoff = Date.now() - SESSION_TTL_MS;
  for (const [id, session] of sessions) if (session.createdAt < cutoff) sessions.delete(id);
}, 500);

serve('steady-server', handle, () => ({ sessions: sessions.size }));
