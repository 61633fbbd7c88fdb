// A program that logs objects (and keeps none of them).
class LoggedThing {
  constructor(i) {
    this.i = i;
  }
}
let i = 0;
setInterval(() => {
  for (let k = 0; k < 50; k++) console.log(new LoggedThing(i++));
}, 20);
