// A small program (a few MB of heap) with a steady leak of about 1.5 MB a second: every 10 ms a
// request's context is kept in `contexts` and never dropped. Its heap passes 3× its first size
// within seconds, yet it never comes near a long pause or its memory's end.
'use strict';

class RequestRecord {
  constructor(id) {
    this.id = id;
    this.body = `request ${id} `.padEnd(120, '.');
  }
}

const contexts = [];
let next = 0;
setInterval(() => {
  for (let i = 0; i < 60; i++) contexts.push(new RequestRecord(next++));
}, 10);
globalThis.contexts = contexts;
