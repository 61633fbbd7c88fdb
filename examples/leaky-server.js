// A small HTTP server with three classic leaks, for trying Leak Watch:
//   1. a module-level Map caches a Session per request under a fresh id and never evicts it;
//   2. every request builds a small tree whose nodes point back at their parent, and the root is
//      registered in a global Set that nothing ever clears;
//   3. every request adds a listener to a long-lived emitter and never removes it.
// It also makes its own traffic, so it leaks steadily without a client. Start it with the
// "Leaky server" launch configuration, then run "Leak Watch: Start Leak Watch".
const { EventEmitter } = require('node:events');
const { randomUUID } = require('node:crypto');
const { serve } = require('./serve');

class Session {
  constructor(id, path) {
    this.id = id;
    this.path = path;
    this.createdAt = Date.now();
    this.payload = new Array(64).fill(id);
  }
}

class TreeNode {
  constructor(name, parent) {
    this.name = name;
    this.parent = parent;
    this.children = [];
  }

  add(name) {
    const child = new TreeNode(name, this);
    this.children.push(child);
    return child;
  }
}

const sessions = new Map();
const liveTrees = new Set();
const events = new EventEmitter();
events.setMaxListeners(0);

function handle(path) {
  const id = randomUUID();
  sessions.set(id, new Session(id, path));

  const root = new TreeNode(`request ${id}`, null);
  for (let i = 0; i < 3; i++) root.add(`part ${i}`).add('detail');
  liveTrees.add(root);

  const onConfigChanged = () => root.name;
  events.on('config-changed', onConfigChanged);
  return id;
}

serve('leaky-server', handle, () => ({ sessions: sessions.size }));
