// The panel's and hovers' numbers and words (src/display/format.ts): decimal byte units with round
// chart ticks, grouped numbers, code in the analysis's sentences, the tab title.
import * as assert from 'node:assert/strict';
import { formatByteTicks, formatBytes, formatCount, formatGrowth, formatMs, formatPerMinute, formatRate, panelTitle, sentencePieces, targetLabel } from '../../../src/display/format';
import { formatBytes as formatBytesPlain } from '../../../src/core/format';

/** The text with U+00A0 shown as a plain space, for readable expectations. */
const plain = (text: string) => text.replace(/\u00a0/g, ' ');

describe('panel formatting', () => {
  describe('bytes', () => {
    it('are decimal SI units (kB, MB, GB; base 1000), written by the same rule as the CLI', () => {
      const sizes = [999, 1000, 1536, 58_700, 479_300, 7_150_000, 2.5e9, -2048];
      assert.deepEqual(sizes.map((b) => plain(formatBytes(b))), ['999 B', '1.0 kB', '1.5 kB', '58.7 kB', '479 kB', '7.2 MB', '2.5 GB', '−2.0 kB']);
      // One rule: the panel differs from the CLI only in the space and the minus sign.
      for (const b of sizes) assert.equal(plain(formatBytes(b)).replace('−', '-'), formatBytesPlain(b));
    });

    it('hold the number to its unit with a no-break space, so no line breaks between them', () => {
      assert.equal(formatBytes(479_300), '479\u00a0kB');
      assert.equal(formatMs(4522), '4,522\u00a0ms');
    });

    it('chart ticks land on round decimal values, one unit, no needless decimals', () => {
      // The ticks uPlot picks for a 4–10 MB heap: steps of 1, 2, 2.5 or 5 times a power of ten.
      assert.deepEqual(formatByteTicks([4e6, 6e6, 8e6, 10e6]).map(plain), ['4 MB', '6 MB', '8 MB', '10 MB']);
      assert.deepEqual(formatByteTicks([5e6, 7.5e6, 10e6]).map(plain), ['5.0 MB', '7.5 MB', '10.0 MB']);
      assert.deepEqual(formatByteTicks([0, 500e3, 1e6, 1.5e6]).map(plain), ['0.0 MB', '0.5 MB', '1.0 MB', '1.5 MB']);
      assert.deepEqual(formatByteTicks([0, 250, 500]).map(plain), ['0 B', '250 B', '500 B']);
      // Before: base-1024 units made the decimal steps odd (4.77 / 7.15 / 9.54 MB).
      for (const label of formatByteTicks([5e6, 7.5e6, 10e6])) assert.doesNotMatch(label, /\d\.\d\d/);
    });
  });

  describe('counts and rates', () => {
    it('group thousands', () => {
      assert.equal(formatCount(2329), '2,329');
      assert.equal(formatRate(10224.4), '+10,224/min');
      assert.equal(formatRate(-3.25), '−3.3/min');
      assert.equal(formatRate(0), '0/min');
      assert.equal(formatRate(0.04), '0/min');
      assert.equal(formatGrowth(10224.4), '+10,224');
      assert.equal(formatPerMinute(19121.7), '19,122');
      assert.equal(formatPerMinute(-250), '−250');
    });
  });

  describe('sentences of the analysis', () => {
    it('render `backticked` names and expressions as code, not with literal backticks', () => {
      assert.deepEqual(sentencePieces('Delete entries from the Set `registry` when done, or use `new WeakRef(x)`.'), [
        { text: 'Delete entries from the Set ', code: false },
        { text: 'registry', code: true },
        { text: ' when done, or use ', code: false },
        { text: 'new WeakRef(x)', code: true },
        { text: '.', code: false },
      ]);
    });

    it('keep an unpaired backtick as text', () => {
      assert.deepEqual(sentencePieces('a `b` c ` d'), [
        { text: 'a ', code: false },
        { text: 'b', code: true },
        { text: ' c ` d', code: false },
      ]);
    });
  });

  describe('the panel tab title', () => {
    it('says what is watched in words: the launch configuration (else the program) and its pid', () => {
      assert.equal(panelTitle('server.js [31376] « API server'), 'Leak Watch · API server (pid 31376)');
      assert.equal(panelTitle('server.js [31376]'), 'Leak Watch · server.js (pid 31376)');
      assert.equal(panelTitle('app.js [7] « Leak Watch: app.js'), 'Leak Watch · app.js (pid 7)');
      assert.equal(panelTitle('ws://127.0.0.1:9229/0f2c-11aa'), 'Leak Watch · 127.0.0.1:9229');
      assert.equal(panelTitle('a.heapsnapshot … c.heapsnapshot (3 files)'), 'Leak Watch · a.heapsnapshot … c.heapsnapshot (3 files)');
      // The panel's header says the same, without the "Leak Watch ·".
      assert.equal(targetLabel('server.js [31376] « API server'), 'API server (pid 31376)');
    });
  });
});
