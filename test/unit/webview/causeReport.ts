// A report with one cause as the analysis writes it for test/fixtures/causes/http-listeners.js (a
// 'reload' listener added per request to a long-lived EventEmitter), for the panel's and hovers'
// words. Shapes copied from a real run's JSON; numbers rounded.
import type { Cause, Report, TypeSeries } from '../../../src/core/report';

const FILE = '/w/server.js';

export function listenerCause(overrides: Partial<Cause> = {}): Cause {
  return {
    id: `listener:configEmitter:reload@${FILE}:46`,
    verdict: 'leak',
    title: "Connection kept by the 'reload' listeners of configEmitter",
    holder: {
      kind: 'listener', label: "the 'reload' listeners of configEmitter", type: 'EventEmitter', variable: 'configEmitter', event: 'reload',
      declaredAt: { file: FILE, line: 20, column: 7, scope: 'module scope of server.js' }, inLibrary: false,
    },
    addedAt: { file: FILE, line: 46, column: 3, how: 'on' },
    kept: [
      { type: 'Connection', newObjects: 426, newBytes: 23_856, share: 1, countPerMinute: 2830.2, verdict: 'leak', origin: 'user' },
      { type: '(string)', newObjects: 842, newBytes: 20_208, share: 0.79, countPerMinute: 6236, verdict: 'leak', origin: 'runtime' },
      { type: 'Buffer', newObjects: 426, newBytes: 40_896, share: 1, countPerMinute: 2830.2, verdict: 'leak', origin: 'runtime' },
    ],
    topObjects: 1,
    newObjects: 1694,
    newBytes: 84_960,
    retainedBytes: 229_832,
    allocationSites: [{ file: FILE, line: 24, column: 16, functionName: 'Connection', count: 426, bytes: 23_856, kind: 'source' }],
    evidence: ["426 new Connection objects (100 % of those born since the first sample) and 1,268 new objects of 2 other types are kept by the 'reload' listeners of configEmitter, added at server.js:46."],
    fix: "Remove the 'reload' listener when the Connection is done (configEmitter.off('reload', listener) / removeListener), or register it with { signal } and abort that AbortSignal.",
    path: {
      count: 1, bytes: 229_832, holderIndex: 3,
      steps: [
        {
          from: '(root)', edge: 'kept alive by a timer: setInterval at server.js:33', edgeType: 'folded', to: '(closure)',
          label: 'kept alive by a timer: setInterval at server.js:33',
          folded: [
            { from: '(root)', edge: '2', edgeType: 'shortcut', to: 'global / ' },
            { from: 'global / ', edge: 'setTimeout', edgeType: 'property', to: '(closure)' },
            { from: '(closure)', edge: 'timerListMap', edgeType: 'context', to: 'Object' },
            { from: 'Object', edge: '[]', edgeType: 'element', to: 'TimersList' },
            { from: 'TimersList', edge: '_idleNext', edgeType: 'property', to: 'Timeout' },
            { from: 'Timeout', edge: '_onTimeout', edgeType: 'property', to: '(closure)' },
          ],
          site: { file: FILE, line: 33, column: 3 },
        },
        {
          from: '(closure)', edge: 'configEmitter', edgeType: 'context', to: 'EventEmitter',
          variable: { name: 'configEmitter', scope: 'module scope of server.js', declaredAt: { file: FILE, line: 20, column: 7 } },
          label: 'configEmitter (module scope of server.js, declared at line 20)',
        },
        { from: 'EventEmitter', edge: '_events', edgeType: 'property', to: '{reload}' },
        { from: '{reload}', edge: 'reload', edgeType: 'property', to: 'Array' },
        { from: 'Array', edge: '[]', edgeType: 'element', to: '(closure)' },
        {
          from: '(closure)', edge: 'conn', edgeType: 'context', to: 'Connection',
          variable: { name: 'conn', scope: 'function handleConnection', declaredAt: { file: FILE, line: 24, column: 9 } },
          label: 'conn (function handleConnection, declared at line 24)',
        },
      ],
    },
    ...overrides,
  };
}

function series(name: string, counts: number[], verdict: TypeSeries['verdict'], countPerMinute: number): TypeSeries {
  return { name, counts, bytes: counts.map((c) => c * 56), verdict, evidence: [], countPerMinute, bytesPerMinute: countPerMinute * 56 };
}

/** The report around the cause: the kept types' series, a growing type no cause keeps, and steady ones. */
export function listenerReport(causes: Cause[] = [listenerCause()]): Report {
  return {
    version: 1,
    target: { kind: 'session', description: 'server.js [1] « Leaky server' },
    startedAt: '2026-12-06T00:00:00.000Z',
    samples: [0, 1, 2, 3].map((index) => ({ index, time: 1_000_000 + index * 5000, heapUsed: 4e6, heapTotal: 6e6, nodes: 50_000, edges: 200_000, snapshotBytes: 5e6, pauseMs: 900, analysisMs: 20, maxId: 1000 * (index + 1) })),
    types: [
      series('(string)', [12_553, 12_900, 13_300, 13_617], 'leak', 6236),
      series('Connection', [0, 140, 280, 426], 'leak', 2830.2),
      series('Buffer', [7, 150, 290, 433], 'leak', 2830.2),
      series('(compiled code)', [13_915, 15_000, 16_500, 17_680], 'suspect', 4742),
      series('Object', [400, 401, 399, 400], 'ok', 0),
      { ...series('Late', [5, 9], 'ok', 1) },
    ],
    causes,
    leaks: [{
      type: 'Connection', verdict: 'leak', newObjects: 426, newBytes: 23_856, retainedBytes: 184_000, evidence: [],
      allocationSites: [
        { file: FILE, line: 24, column: 16, functionName: 'Connection', count: 426, bytes: 23_856, kind: 'source' },
        { file: FILE, line: 9, column: 14, functionName: 'Connection', count: 426, bytes: 23_856, kind: 'constructor' },
      ],
      retainerPaths: [], backReferences: [],
    }, {
      type: 'Buffer', verdict: 'leak', newObjects: 426, newBytes: 40_896, retainedBytes: 134_000, evidence: [],
      allocationSites: [{ file: 'node:buffer', line: 268, column: 16, functionName: 'Buffer', count: 426, bytes: 40_896, kind: 'constructor' }],
      retainerPaths: [], backReferences: [],
    }],
  };
}
