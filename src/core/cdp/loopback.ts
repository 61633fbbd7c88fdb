// Which addresses are this machine: the inspector runs whatever code whoever connects sends, so
// a connection meant for this machine must reach it, whatever a name resolves to.
import * as dns from 'node:dns';
import type * as net from 'node:net';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * True for the names taken as this machine: `localhost` itself, and literal loopback addresses
 * (127.0.0.0/8, ::1, ::ffff:127.x.x.x; with or without brackets). Not `*.localhost`, nor any other
 * name: those are resolved through DNS, which may point anywhere.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || isLoopbackAddress(h);
}

/** True for a literal loopback address: 127.0.0.0/8, ::1, ::ffff:127.x.x.x. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIPv4(a)) return a.startsWith('127.');
  if (!isIPv6(a)) return false;
  return a === '::1' || a === '0:0:0:0:0:0:0:1' || /^(::ffff:|0:0:0:0:0:ffff:)127\./.test(a);
}

/**
 * A `lookup` for connections that must stay on this machine (http, ws and net take it): resolves the
 * name as dns.lookup does and refuses it unless every address it gives is loopback, so `localhost`
 * pointed elsewhere is refused, and the name is not resolved a second time for the connection.
 */
export const loopbackLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as unknown as dns.LookupAddress[];
    const elsewhere = list.find((a) => !isLoopbackAddress(a.address));
    if (!list.length || elsewhere) {
      const refused = new Error(`${hostname} resolves to ${elsewhere?.address ?? 'no address'}, not to this machine's loopback`) as NodeJS.ErrnoException;
      refused.code = 'ENOTLOOPBACK';
      return callback(refused, '', 0);
    }
    if ((options as dns.LookupOptions).all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    else callback(null, list[0].address, list[0].family);
  });
};

/** Throws unless the socket's peer is a loopback address (the address actually connected to, whatever the name). */
export function checkLoopbackPeer(socket: net.Socket, input: string): void {
  const peer = socket.remoteAddress ?? '';
  if (!isLoopbackAddress(peer)) throw new Error(`Refusing the inspector at "${input}": the connection reached ${peer || 'an unknown address'}, not this machine.`);
}
