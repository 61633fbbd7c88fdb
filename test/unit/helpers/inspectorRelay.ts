// A TCP relay in front of an inspector, for faults on the way: its clients' sockets can be dropped
// (all, or one) while the debuggee lives on, and a client can be refused (a target that takes one).
import * as net from 'node:net';

export interface InspectorRelay {
  /** The inspector's WebSocket address, through the relay. */
  url: string;
  /** Cuts client `n` (1 is the first to connect), or every client. */
  drop(n?: number): void;
  /** Stops listening and cuts every client. */
  close(): Promise<void>;
}

/** Starts a relay to the inspector at `wsUrl`; `accept(n)` decides whether client n (1, 2, …) gets through. */
export async function inspectorRelay(wsUrl: string, accept: (n: number) => boolean = () => true): Promise<InspectorRelay> {
  const target = new URL(wsUrl);
  const clients: net.Socket[][] = [];
  const server = net.createServer((client) => {
    if (!accept(clients.length + 1)) {
      clients.push([client]);
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    clients.push([client, upstream]);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const drop = (n?: number) => (n === undefined ? clients.flat() : (clients[n - 1] ?? [])).forEach((s) => s.destroy());
  return {
    url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}${target.pathname}`,
    drop,
    close: () => {
      drop();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
