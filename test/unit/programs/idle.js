// A program that stays alive, prints to both streams, and holds a little garbage-churning state.
process.stderr.write('idle-program-stderr\n');
process.stdout.write('idle-program-stdout\n');
let churn = [];
setInterval(() => {
  churn = Array.from({ length: 100 }, (_, i) => ({ i }));
}, 50);
