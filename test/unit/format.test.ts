// One way to write bytes everywhere (src/core/format.ts): decimal SI units, as Chrome DevTools writes them.
import * as assert from 'node:assert/strict';
import { formatBytes } from '../../src/core/format';

describe('formatBytes', () => {
  it('writes B, kB, MB and GB in powers of 1000', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1000), '1.0 kB');
    assert.equal(formatBytes(12_345), '12.3 kB');
    assert.equal(formatBytes(1_536), '1.5 kB', 'not 1.5 KB of 1024');
    assert.equal(formatBytes(730e6), '730 MB', 'whole from 100 on');
    assert.equal(formatBytes(99_960), '100 kB');
    assert.equal(formatBytes(1.75e9), '1.8 GB');
    assert.equal(formatBytes(150e9), '150 GB', 'whole from 100 on in GB too');
  });

  it('picks the unit on the rounded value: never "1000 kB"', () => {
    assert.equal(formatBytes(999.6), '1.0 kB');
    assert.equal(formatBytes(999_400), '999 kB');
    assert.equal(formatBytes(999_600), '1.0 MB');
  });

  it('joins with a no-break space and a minus sign where asked (the panel and hovers)', () => {
    assert.equal(formatBytes(-58_700, { space: '\u00a0', minus: '\u2212' }), '\u221258.7\u00a0kB');
    assert.equal(formatBytes(-0.2), '0 B', 'no sign on a number that rounds to zero');
  });

  it('keeps the sign, rounds stray fractions of a byte, and says "–" for what is not a number', () => {
    assert.equal(formatBytes(-58_700), '-58.7 kB');
    assert.equal(formatBytes(12.6), '13 B');
    assert.equal(formatBytes(Number.NaN), '–');
    assert.equal(formatBytes(Infinity), '–');
  });
});
