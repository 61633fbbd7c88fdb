// Mocha's Spec reporter plus the plain closing line that CI reads: `<layer>: N passed, N failed`.
// The layer name comes from the reporter option `layer` (`--reporter-option layer=unit`).
// Failures counted include failing hooks, so a broken `before` cannot pass as "0 failed".
'use strict';
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountsReporter extends Spec {
  constructor(runner, options = {}) {
    super(runner, options);
    const layer = (options.reporterOption || options.reporterOptions || {}).layer || 'tests';
    runner.once(EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = this.stats;
      const skipped = pending ? ` (${pending} pending)` : '';
      Mocha.reporters.Base.consoleLog(`${layer}: ${passes} passed, ${failures} failed${skipped}`);
    });
  }
}

module.exports = CountsReporter;
