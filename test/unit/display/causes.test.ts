// The words the panel and the editor's hovers use for a cause (src/display/causes.ts), the table's
// rows led by causes (tableRows.ts), and what the growth chart plots (growthSeries.ts).
import * as assert from 'node:assert/strict';
import type { Cause, HolderKind } from '../../../src/core/report';
import {
  addSentence, causePositions, headlineText, holderPieces, keepsSentence, mergeSites, newSite, problemText, shortFix, sitesOfType,
} from '../../../src/display/causes';
import { chartedTypeNames, growthValues } from '../../../src/webview/growthSeries';
import { tableRows } from '../../../src/webview/tableRows';
import { listenerCause, listenerReport } from '../webview/causeReport';

const plain = (text: string) => text.replace(/\u00a0/g, ' ');

function causeOf(kind: HolderKind, type: string, label: string): Cause {
  const base = listenerCause();
  return { ...base, id: `${kind}:${type}`, holder: { ...base.holder, kind, type, label, variable: undefined, event: undefined } };
}

describe('causes in the panel\'s and hovers\' words', () => {
  it('a headline names the kept class, the holder and the line that adds to it', () => {
    assert.equal(headlineText(listenerCause()), "Leak: Connection — kept by the 'reload' listeners of configEmitter, server.js:46");
    assert.equal(headlineText(listenerCause({ verdict: 'suspect', addedAt: undefined })), "Suspect: Connection — kept by the 'reload' listeners of configEmitter");
  });

  it('the holder\'s variable is code, as a whole word only', () => {
    assert.deepEqual(holderPieces(listenerCause()), [
      { text: "the 'reload' listeners of ", code: false },
      { text: 'configEmitter', code: true },
    ]);
    const cause = listenerCause();
    const tricky = { ...cause, holder: { ...cause.holder, label: 'the Map sessionsById of sessions', variable: 'sessions' } };
    assert.deepEqual(holderPieces(tricky).map((p) => [p.text, p.code]), [['the Map sessionsById of ', false], ['sessions', true]]);
  });

  it('the fix is chosen from the holder\'s kind: a listener is removed, never "cap the array"', () => {
    const fix = (kind: HolderKind, type = 'Map') => shortFix(causeOf(kind, type, 'x'));
    assert.match(fix('listener', 'Array'), /removeListener/);
    assert.match(fix('listener', 'Array'), /AbortSignal/);
    assert.doesNotMatch(fix('listener', 'Array'), /cap|array/i);
    assert.match(fix('container', 'Map'), /delete|evict/i);
    assert.match(fix('container', 'Map'), /WeakMap/);
    assert.match(fix('container', 'Set'), /WeakSet/);
    assert.match(fix('back-reference'), /WeakRef/);
    assert.match(fix('timer'), /clearInterval/);
    assert.match(fix('promise'), /[Ss]ettle.*time/);
  });

  it('the holder line says what it does, then what it keeps: objects, bytes and growth', () => {
    const cause = listenerCause();
    const report = listenerReport();
    assert.match(addSentence(cause), /adds a listener each time it runs, and none is ever removed/);
    assert.equal(
      plain(keepsSentence(cause, report.types)),
      'It keeps 426 Connection objects and 1,268 objects of 2 other types ((string), Buffer) alive: 85.0 kB new, 230 kB retained; Connection grows by +2,830/min (158 kB/min).',
    );
  });

  it('the Problems entry is the short form: what piles up, the numbers, the fix by kind; no path, no evidence sentence', () => {
    const cause = listenerCause();
    const text = plain(problemText(cause, listenerReport().types));
    assert.equal(text, "Connection objects pile up in the 'reload' listeners of configEmitter (1,694 new objects kept, 230 kB, +2,830/min). Remove the listener when done (off / removeListener), or add it with an AbortSignal and abort.");
    assert.ok(!text.includes('setInterval') && !text.includes(cause.evidence[0]), 'neither the path nor the evidence');
  });

  it('every position a cause names is one the host may open', () => {
    const lines = causePositions(listenerCause()).map((p) => p.line).sort((a, b) => a - b);
    assert.deepEqual(lines, [20, 20, 24, 24, 33, 46]);
  });

  it('a `new` line and the constructor of the same objects read as one site', () => {
    const report = listenerReport();
    const merged = mergeSites(report.leaks[0].allocationSites);
    assert.equal(merged.length, 1);
    assert.deepEqual([merged[0].line, merged[0].kind, merged[0].constructorAt?.line], [24, 'source', 9]);
    // A constructor alone stays a site; two functions stay two sites.
    assert.equal(mergeSites(report.leaks[1].allocationSites).length, 1);
    assert.equal(mergeSites([{ ...report.leaks[0].allocationSites[0] }, { ...report.leaks[0].allocationSites[1], functionName: 'Other' }]).length, 2);
  });

  it('a type\'s `new` comes before its constructor; a kept type without a cause of its own has its leak\'s sites', () => {
    const report = listenerReport();
    assert.equal(newSite(sitesOfType(report, 'Connection'))?.line, 24);
    assert.equal(newSite(sitesOfType(report, 'Buffer'))?.file, 'node:buffer');
    assert.equal(newSite(sitesOfType(report, '(string)')), undefined);
  });
});

describe('the table led by causes', () => {
  it('by cause: each cause, the types it keeps beneath it in its order (the program\'s class first), then the other types', () => {
    const rows = tableRows(listenerReport(), 'causes', '', 'verdict', true);
    assert.equal(rows.causes.length, 1);
    assert.equal(rows.causes[0].row.name, "the 'reload' listeners of configEmitter");
    assert.deepEqual(rows.causes[0].kept.map((r) => [r.kind, r.type]), [['kept', 'Connection'], ['kept', '(string)'], ['kept', 'Buffer']]);
    assert.deepEqual(rows.types.map((r) => r.type), ['(compiled code)', 'Object', 'Late']);
    // A kept row reads as the type in the per-type view.
    assert.deepEqual([rows.causes[0].kept[0].count, rows.causes[0].kept[0].delta], [426, 426]);
  });

  it('by type: every type, flat, in the report\'s order', () => {
    const rows = tableRows(listenerReport(), 'types', '', 'verdict', true);
    assert.deepEqual(rows.causes, []);
    assert.deepEqual(rows.types.map((r) => r.type), ['(string)', 'Connection', 'Buffer', '(compiled code)', 'Object', 'Late']);
  });

  it('a filter lists the kept types it matches under their cause; a cause matched by name alone stands alone', () => {
    const byType = tableRows(listenerReport(), 'causes', 'buffer', 'verdict', true);
    assert.deepEqual(byType.causes[0].kept.map((r) => r.type), ['Buffer']);
    const byHolder = tableRows(listenerReport(), 'causes', 'configemitter', 'verdict', true);
    assert.deepEqual([byHolder.causes.length, byHolder.causes[0].kept.length], [1, 0]);
    assert.deepEqual(tableRows(listenerReport(), 'causes', 'object', 'verdict', true).causes, []);
  });

  it('Δ counts a type first seen after the first sample from 0 (it read 0 for a new class of 426 objects)', () => {
    const report = listenerReport();
    report.types[1] = { ...report.types[1], counts: [140, 280, 426] }; // Connection: none at the first sample
    const rows = tableRows(report, 'types', '', 'verdict', true).types;
    assert.equal(rows.find((r) => r.type === 'Connection')!.delta, 426);
    assert.equal(rows.find((r) => r.type === 'Buffer')!.delta, 426);
  });

  it('sorting orders the kept types within their cause', () => {
    const rows = tableRows(listenerReport(), 'causes', '', 'count', false);
    assert.deepEqual(rows.causes[0].kept.map((r) => r.type), ['(string)', 'Buffer', 'Connection']);
  });
});

describe('the growth chart', () => {
  it('follows the causes\' types, each cause\'s first type first', () => {
    const second = { ...listenerCause(), id: 'b', kept: [{ ...listenerCause().kept[2], type: 'Object' }] };
    assert.deepEqual(chartedTypeNames(listenerReport([listenerCause(), second]), 5), ['Connection', 'Object', '(string)', 'Buffer']);
    assert.deepEqual(chartedTypeNames(listenerReport([listenerCause(), second]), 2), ['Connection', 'Object']);
    // Without causes, the report's first types.
    assert.deepEqual(chartedTypeNames(listenerReport([]), 2), ['(string)', 'Connection']);
  });

  it('shows the change since the first sample by default (a type absent then counts from 0), absolute values one toggle away', () => {
    assert.deepEqual(growthValues([15_000, 15_100, 15_300], 3, 'change'), [0, 100, 300]);
    // A type first seen at the third sample had no objects before: 0, +5, +9 (it read '–' at the first sample).
    assert.deepEqual(growthValues([5, 9], 4, 'change'), [0, 0, 5, 9]);
    assert.deepEqual(growthValues([5, 9], 4, 'absolute'), [null, null, 5, 9]);
    assert.deepEqual(growthValues([15_000, 15_100, 15_300], 3, 'absolute'), [15_000, 15_100, 15_300]);
  });
});
