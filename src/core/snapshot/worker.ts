// The snapshot worker (worker_threads): parses chunks into a HeapGraph and analyses it.
export {};
