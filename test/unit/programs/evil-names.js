// A leak whose script file name is hostile: escape sequences (window title, clear screen), a bell, a
// newline that would forge a line of output, and a right-to-left override. The class is compiled
// by `vm` under that name, so allocation sites and locations carry it.
const vm = require('node:vm');
const name = '/tmp/evil\x1b]0;PWNED\x07\x1b[2J\nforged: line\u202etxt.js';
vm.runInThisContext('globalThis.EvilRecord = class EvilRecord { constructor(i) { this.i = i; } };', { filename: name });
const kept = [];
setInterval(() => {
  for (let i = 0; i < 200; i++) kept.push(new EvilRecord(i));
}, 20);
