// A process's TCP sockets, read from /proc (Linux): which ones listen, and where the others lead.
import * as fs from 'node:fs';

export interface TcpSocket {
  inode: string;
  local: string;
  remote: string;
  remoteHost: string;
  /** 'LISTEN', 'ESTABLISHED', … */
  state: string;
}

const STATES: Record<string, string> = { '01': 'ESTABLISHED', '02': 'SYN_SENT', '06': 'TIME_WAIT', '08': 'CLOSE_WAIT', '0A': 'LISTEN' };

/** The TCP sockets (IPv4 and IPv6) that `pid` holds open, from /proc/<pid>/net/tcp{,6} and /proc/<pid>/fd. */
export function tcpSocketsOf(pid: number): TcpSocket[] {
  const inodes = new Set<string>();
  for (const fd of safeReaddir(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const sockets: TcpSocket[] = [];
  for (const [file, v6] of [[`/proc/${pid}/net/tcp`, false], [`/proc/${pid}/net/tcp6`, true]] as const) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9])) continue;
      const remote = address(f[2], v6);
      sockets.push({ inode: f[9], local: address(f[1], v6).text, remote: remote.text, remoteHost: remote.host, state: STATES[f[3]] ?? f[3] });
    }
  }
  return sockets;
}

/** True for 127.0.0.0/8, ::1 and ::ffff:127.x.x.x. */
export function isLoopbackAddress(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || /^::ffff:127\./.test(host);
}

function address(hex: string, v6: boolean): { host: string; text: string } {
  const [h, p] = hex.split(':');
  const port = parseInt(p, 16);
  let host: string;
  if (!v6) {
    host = [3, 2, 1, 0].map((i) => parseInt(h.slice(i * 2, i * 2 + 2), 16)).join('.');
  } else {
    // four little-endian 32-bit words
    const bytes: number[] = [];
    for (let w = 0; w < 4; w++) for (let b = 3; b >= 0; b--) bytes.push(parseInt(h.slice(w * 8 + b * 2, w * 8 + b * 2 + 2), 16));
    if (bytes.slice(0, 10).every((x) => x === 0) && bytes[10] === 0xff && bytes[11] === 0xff) host = `::ffff:${bytes.slice(12).join('.')}`;
    else if (bytes.slice(0, 15).every((x) => x === 0) && bytes[15] === 1) host = '::1';
    else if (bytes.every((x) => x === 0)) host = '::';
    else host = Array.from({ length: 8 }, (_, i) => ((bytes[i * 2] << 8) | bytes[i * 2 + 1]).toString(16)).join(':');
  }
  return { host, text: `${host}:${port}` };
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
