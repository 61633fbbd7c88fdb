// Where the heap chart marks its snapshots (src/webview/snapshotMarks.ts): marks that stay apart on
// a long watch.
import * as assert from 'node:assert/strict';
import { thinMarks } from '../../../src/webview/snapshotMarks';

describe('snapshot marks on the heap chart', () => {
  it('stay at least the gap apart, however many samples (a long watch was a dotted band)', () => {
    const xs = Array.from({ length: 400 }, (_, i) => 10 + i * 1.2); // 400 samples over 480 px
    const marks = thinMarks(xs, 10, 490, 6);
    assert.ok(marks.length <= 81 && marks.length >= 60, `${marks.length} marks`);
    for (let i = 1; i < marks.length - 1; i++) assert.ok(marks[i] - marks[i - 1] >= 6, `marks ${i - 1} and ${i} are ${marks[i] - marks[i - 1]} px apart`);
    assert.equal(marks[0], 10, 'the first snapshot is marked');
    assert.equal(marks[marks.length - 1], xs[xs.length - 1], 'the newest snapshot is marked');
  });

  it('keep every mark when they are far apart, and none outside the plot', () => {
    assert.deepEqual(thinMarks([0, 20, 40, 60, 500], 10, 100, 6), [20, 40, 60]);
  });
});
