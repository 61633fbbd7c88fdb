// What the panel says where it has no cause to head with: never "no leak" while it is too early.
import * as assert from 'node:assert/strict';
import { noCauseSentence } from '../../../src/display/causes';
import { listenerReport } from '../webview/causeReport';

describe('the panel without a cause', () => {
  const base = listenerReport([]);
  const leaking = base.types.map((t) => ({ ...t, verdict: 'leak' as const })).slice(0, 1);

  it('says what the censuses count while there is no snapshot yet, not "no leak"', () => {
    const text = noCauseSentence({ ...base, samples: [], samplesTaken: 0, tooEarly: 'Too early to tell: 3 censuses and no snapshot yet. Growing most: Job +4,000.' });
    assert.match(text, /^Too early to tell: 3 censuses/);
    assert.doesNotMatch(text, /No leak/);
  });

  it('after the one snapshot that confirmed the censuses, says the next one names the holder', () => {
    const text = noCauseSentence({ ...base, types: leaking, samples: base.samples.slice(0, 1), samplesTaken: 1, tooEarly: undefined });
    assert.match(text, /^1 type leak, as the censuses counted and the first snapshot confirmed; the next snapshot .* names their holder/);
  });

  it('says no leak so far only when the snapshots found none', () => {
    const none = base.types.map((t) => ({ ...t, verdict: 'ok' as const }));
    assert.match(noCauseSentence({ ...base, types: none, tooEarly: undefined }), /^No leak found so far/);
  });
});
