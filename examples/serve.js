// The HTTP plumbing shared by the examples: serves `handle(path) → id` on 127.0.0.1 (port $PORT or
// a free one) and sends itself $REQUESTS_PER_SECOND requests (default 50), so that the program
// does steady work without a client.
const http = require('node:http');

function serve(name, handle, describe = () => ({})) {
  const server = http.createServer((req, res) => {
    const id = handle(req.url);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id, ...describe() }));
  });
  server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
    const { port } = server.address();
    console.log(`${name} listening on http://127.0.0.1:${port}`);
    const rate = Number(process.env.REQUESTS_PER_SECOND || 50);
    setInterval(() => {
      http.get(`http://127.0.0.1:${port}/work`, (res) => res.resume()).on('error', () => {});
    }, 1000 / rate);
  });
  return server;
}

module.exports = { serve };
