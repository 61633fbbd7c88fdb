// Holds a growing set of objects of a class named by RECORD_CLASS, so two programs' samples can be told apart.
const name = process.env.RECORD_CLASS || 'NamedRecord';
if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`RECORD_CLASS must be an identifier: ${name}`);
// eslint-disable-next-line no-new-func
const Record = new Function(`return class ${name} { constructor(i) { this.i = i; } };`)();
const held = [];
function grow() {
  for (let i = 0; i < 200; i++) held.push(new Record(i));
}
grow();
setInterval(grow, 100);
