// The `leak-watch` command line.
console.log('leak-watch: not yet');
