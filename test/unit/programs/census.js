// Known objects for the census test: 1000 Kept, 50 Sub (a subclass), objects whose prototype is a
// Proxy or has a `constructor` getter (neither may run), and step() to add and drop Kept objects.
class Kept {
  constructor(i) {
    this.i = i;
  }
}
class Sub extends Kept {}
globalThis.getterRan = false;
globalThis.trapRan = false;
const sly = Object.create({
  get constructor() {
    globalThis.getterRan = true;
    return Kept;
  },
});
const trapped = Object.create(
  new Proxy(
    {},
    {
      getOwnPropertyDescriptor() {
        globalThis.trapRan = true;
        return undefined;
      },
      get() {
        globalThis.trapRan = true;
        return undefined;
      },
    },
  ),
);
const held = { kept: [], sub: [], odd: [sly, trapped], steps: [] };
for (let i = 0; i < 1000; i++) held.kept.push(new Kept(i));
for (let i = 0; i < 50; i++) held.sub.push(new Sub(i));
/** Adds 100 Kept objects, and drops half of the ones the step before added. */
globalThis.step = () => {
  const last = held.steps[held.steps.length - 1];
  if (last) last.length = 50;
  const fresh = [];
  for (let i = 0; i < 100; i++) fresh.push(new Kept(i));
  held.steps.push(fresh);
  return held.steps.length;
};
globalThis.held = held;
setInterval(() => {}, 1000);
