// Messages from the webview are validated before the host uses them (src/protocol.ts).
import * as assert from 'node:assert/strict';
import { FromWebviewType, parseFromWebview, refusedRequestId } from '../../src/protocol';

describe('webview message validation', () => {
  it('accepts each well-formed message and drops extra fields', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready', extra: 1 }), { type: FromWebviewType.Ready });
    assert.deepEqual(parseFromWebview({ type: 'stop' }), { type: FromWebviewType.Stop });
    assert.deepEqual(parseFromWebview({ type: 'saveSnapshot' }), { type: FromWebviewType.SaveSnapshot });
    assert.deepEqual(parseFromWebview({ type: 'sampleNow', budget: 0.9 }), { type: FromWebviewType.SampleNow });
    assert.deepEqual(parseFromWebview({ type: 'sampleFaster', budget: 0.9, forMs: 1e9 }), { type: FromWebviewType.SampleFaster });
    assert.deepEqual(parseFromWebview({ type: 'request', id: 7, method: 'explain', args: ['Session'], x: '<b>' }), { type: 'request', id: 7, method: 'explain', args: ['Session'] });
    // Of one isolate of a program (its key: a pid, or pid/threadId).
    assert.deepEqual(parseFromWebview({ type: 'request', id: 8, method: 'explain', args: ['Job', '4242/2'] }), { type: 'request', id: 8, method: 'explain', args: ['Job', '4242/2'] });
    assert.deepEqual(parseFromWebview({ type: 'request', id: 9, method: 'explain', args: ['Job', '4242'] }), { type: 'request', id: 9, method: 'explain', args: ['Job', '4242'] });
    // Messages from the webview travel as JSON: an isolate left undefined arrives as null. Refusing
    // it left the panel's every ask of one process unanswered ("Looking for retainers…" for ever).
    const asked = JSON.parse(JSON.stringify({ type: 'request', id: 10, method: 'explain', args: ['Job', undefined] }));
    assert.deepEqual(asked.args, ['Job', null]);
    assert.deepEqual(parseFromWebview(asked), { type: 'request', id: 10, method: 'explain', args: ['Job'] });
    assert.deepEqual(
      parseFromWebview({ type: 'openSource', position: { file: '/w/a.js', line: 3, column: 7, evil: true } }),
      { type: FromWebviewType.OpenSource, position: { file: '/w/a.js', line: 3, column: 7 } },
    );
    assert.deepEqual(
      parseFromWebview({ type: 'openSource', position: { file: '/w/a.js', line: 3, column: 7 }, preserveFocus: true }),
      { type: FromWebviewType.OpenSource, position: { file: '/w/a.js', line: 3, column: 7 }, preserveFocus: true },
    );
    assert.equal((parseFromWebview({ type: 'openSource', position: { file: '/w/a.js', line: 3, column: 7 }, preserveFocus: 'yes' }) as { preserveFocus?: boolean }).preserveFocus, undefined);
  });

  it('a cause or a type to go to is named, never placed: the host finds its line in its own report', () => {
    assert.deepEqual(parseFromWebview({ type: 'openCause', causeId: 'listener:e:reload@/w/a.js:4', file: '/etc/passwd' }), { type: FromWebviewType.OpenCause, causeId: 'listener:e:reload@/w/a.js:4' });
    assert.deepEqual(parseFromWebview({ type: 'openCause', causeId: 'c', preserveFocus: true }), { type: FromWebviewType.OpenCause, causeId: 'c', preserveFocus: true });
    assert.deepEqual(parseFromWebview({ type: 'openType', typeName: 'Session', position: { file: '/a.js', line: 1, column: 1 } }), { type: FromWebviewType.OpenType, typeName: 'Session' });
    for (const bad of [{ type: 'openCause' }, { type: 'openCause', causeId: '' }, { type: 'openCause', causeId: 7 }, { type: 'openCause', causeId: 'x'.repeat(9000) },
      { type: 'openType' }, { type: 'openType', typeName: ['Session'] }, { type: 'openType', typeName: 'x'.repeat(5000) }]) {
      assert.equal(parseFromWebview(bad), undefined, JSON.stringify(bad).slice(0, 80));
    }
  });

  it('a refused request is named by its id, so the host can answer it with an error', () => {
    assert.equal(refusedRequestId({ type: 'request', id: 4, method: 'explain', args: ['x'.repeat(5000)] }), 4);
    assert.equal(refusedRequestId({ type: 'request', id: 0, method: 'explain' }), undefined);
    assert.equal(refusedRequestId({ type: 'openType', id: 4 }), undefined);
    assert.equal(refusedRequestId(null), undefined);
  });

  it('refuses unknown types and wrong shapes', () => {
    const bad: unknown[] = [
      null, undefined, 42, 'ready', [], {}, { type: 'eval', code: 'x' }, { type: 'READY' }, { type: 7 },
      { type: 'selectType', typeName: 'Session' }, { type: 'request', id: 1, method: 'explain' }, { type: 'request', id: 1, method: 'explain', args: [''] },
      { type: 'request', id: 1, method: 'explain', args: [5] }, { type: 'request', id: 1, method: 'explain', args: ['x'.repeat(5000)] },
      { type: 'request', id: 1, method: 'explain', args: ['A', 'B'] }, { type: 'request', id: 0, method: 'explain', args: ['A'] },
      { type: 'request', id: 1, method: 'explain', args: ['A', '1/'] }, { type: 'request', id: 1, method: 'explain', args: ['A', 7] },
      { type: 'request', id: 1, method: 'explain', args: ['A', '1/2/3'] }, { type: 'request', id: 1, method: 'explain', args: ['A', '1', 'x'] },
      { type: 'request', id: 1, method: 'constructor', args: ['A'] }, { type: 'request', id: 1, method: 'stop', args: [] },
      { type: 'openSource' }, { type: 'openSource', position: '/etc/passwd' },
      { type: 'openSource', position: { file: '/a.js', line: 0, column: 1 } },
      { type: 'openSource', position: { file: '/a.js', line: 1.5, column: 1 } },
      { type: 'openSource', position: { file: '/a.js', line: '1', column: 1 } },
      { type: 'openSource', position: { file: '', line: 1, column: 1 } },
      { type: 'openSource', position: { file: ['/a.js'], line: 1, column: 1 } },
      { type: 'openSource', position: { file: '/a.js', line: Infinity, column: 1 } },
    ];
    for (const message of bad) assert.equal(parseFromWebview(message), undefined, JSON.stringify(message) ?? String(message));
  });
});
