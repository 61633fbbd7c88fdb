// A program that ends after a short while (Node then waits for the debugger to disconnect).
setTimeout(() => {}, Number(process.env.FINISH_AFTER_MS || 1500));
