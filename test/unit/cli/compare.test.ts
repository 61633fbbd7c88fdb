// Verifying a fix on real programs: a fixture whose leak a switch turns off is watched leaking and
// saved, then run fixed, still leaking (in another clone, with its lines moved), with a second
// leak, as another program, and too briefly; `compare` and `run --baseline` must tell each apart
// and exit 0, 3 or 1 accordingly.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareWatches } from '../../../src/core/compare/compareWatches';
import type { Comparison } from '../../../src/core/compare/comparison';
import { matchCauses } from '../../../src/core/compare/matchCauses';
import { parseSavedWatch, type SavedWatch } from '../../../src/core/savedWatch';
import { FIXTURES_DIR, markerLine } from '../../fixtures';
import { assertNothingLeft, endLeftBehind, newMark, runCli, type CliRun } from './support';

const FIXTURE = join(FIXTURES_DIR, 'fixable-leak.js');
const VERSION = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
/** Lines put above the program in the second clone: every line of it moves down by this many. */
const SHIFT = 5;

describe('leak-watch compare and run --baseline, on a program whose leak a switch turns off', function () {
  this.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'leak-watch-compare-'));
  /** A git repository holding the program, and a plain folder with a copy whose lines moved down. */
  const cloneA = join(dir, 'clone-a');
  const cloneB = join(dir, 'clone-b');
  const marks: string[] = [];
  const file = (name: string) => join(dir, name);

  /** `leak-watch run` of the fixture (or `script`) in `cwd`, its JSON saved as `json`; nothing may be left running. */
  async function watch(json: string, options: { cwd?: string; env?: NodeJS.ProcessEnv; samples?: number; script?: string; extra?: string[] } = {}): Promise<CliRun> {
    const mark = newMark();
    marks.push(mark);
    const cwd = options.cwd ?? cloneA;
    const args = ['run', '--samples', String(options.samples ?? 6), '--interval', '0.5', '-q', '--json', json, ...(options.extra ?? []), '--', 'node', options.script ?? 'fixable-leak.js'];
    const r = await runCli(args, { cwd, env: { LEAK_FIXED: undefined, LEAK_SLOWER: undefined, SECOND_LEAK: undefined, ...options.env }, mark });
    await assertNothingLeft(mark, undefined, 2000);
    return r;
  }

  const compare = (...args: string[]) => runCli(['compare', ...args]);
  const comparison = (r: CliRun) => JSON.parse(r.stdout) as Comparison;
  const saved = (name: string) => parseSavedWatch(readFileSync(file(name), 'utf8'));

  before(function () {
    mkdirSync(cloneA);
    copyFileSync(FIXTURE, join(cloneA, 'fixable-leak.js'));
    copyFileSync(join(FIXTURES_DIR, 'leak-map-cache.js'), join(cloneA, 'other-program.js'));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Leak Watch test', '-c', 'user.email=test@example.invalid', ...args], { cwd: cloneA, stdio: 'pipe' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'the leaking program');
    mkdirSync(cloneB);
    const moved = `${'// a line put above the program\n'.repeat(SHIFT)}${readFileSync(FIXTURE, 'utf8')}`;
    writeFileSync(join(cloneB, 'fixable-leak.js'), moved);
  });

  after(() => {
    for (const mark of marks) endLeftBehind(mark);
    rmSync(dir, { recursive: true, force: true });
  });

  it('run --json writes a saved watch: the report as before, plus the program, its git commit, the time and the version', async () => {
    const r = await watch(file('before.json'));
    assert.equal(r.code, 0, r.stderr);
    const w = saved('before.json');
    // Still a report for whatever reads one.
    assert.equal(w.version, 1);
    assert.equal(w.target.kind, 'run');
    assert.equal(w.types[0].name, 'Session');
    assert.equal(w.types[0].verdict, 'leak');
    const cause = w.causes?.[0];
    assert.equal(cause?.verdict, 'leak');
    assert.equal(cause?.holder.variable, 'sessions');
    assert.equal(cause?.addedAt?.line, markerLine(FIXTURE, '// leak-watch: adds Session'));
    // And what a comparison needs.
    assert.equal(w.watch?.format, 1);
    assert.equal(w.watch?.leakWatchVersion, VERSION);
    assert.ok(Math.abs(Date.parse(w.watch!.savedAt) - Date.now()) < 60_000, w.watch?.savedAt);
    const program = w.watch!.program!;
    assert.deepEqual(program.command, ['node', 'fixable-leak.js']);
    assert.equal(program.entry, join(cloneA, 'fixable-leak.js'));
    assert.equal(program.cwd, cloneA);
    assert.equal(program.root, cloneA);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: cloneA, encoding: 'utf8' }).trim();
    assert.deepEqual(program.git, { commit: head, dirty: false });
  });

  it('compare: the fixed run says FIXED for the Map cause and exits 0; its JSON has both runs\' series for one chart', async () => {
    const r = await watch(file('fixed.json'), { env: { LEAK_FIXED: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const text = await compare(file('before.json'), file('fixed.json'));
    assert.equal(text.code, 0, `${text.stdout}\n${text.stderr}`);
    assert.match(text.stdout, /^FIXED\s+Session kept by the Map sessions \(fixable-leak\.js:\d+\)$/m);
    assert.doesNotMatch(text.stdout, /STILL LEAKING|^NEW/m);
    const json = await compare(file('before.json'), file('fixed.json'), '--json', '-');
    assert.equal(json.code, 0, json.stderr);
    const c = comparison(json);
    assert.equal(c.outcome, 'compared');
    assert.deepEqual(c.causes.map((x) => x.verdict), ['fixed']);
    const fixed = c.causes[0];
    assert.equal(fixed.before?.holder.variable, 'sessions');
    assert.equal(fixed.leaksNow, false);
    assert.match(fixed.evidence.join(' '), /grew about [\d,]+\/min/);
    const series = fixed.series.before!;
    assert.equal(series.type, 'Session');
    assert.equal(series.seconds.length, series.counts.length);
    assert.equal(series.seconds[0], 0);
    assert.ok(series.counts.at(-1)! > series.counts[0], 'the baseline series climbs');
    const sessionType = c.types.find((t) => t.name === 'Session');
    assert.equal(sessionType?.verdict, 'fixed');
    assert.equal(sessionType?.before?.verdict, 'leak');
    // The after run keeps no sessions: its Session series is there for the chart, at 0 all along, from 0 s.
    const after = fixed.series.after!;
    assert.equal(after.type, 'Session');
    assert.equal(after.seconds[0], 0);
    assert.equal(after.seconds.length, after.counts.length);
    assert.ok(after.counts.length >= 4 && after.counts.every((n) => n === 0), `${after.counts}`);
    // The text on stderr when the JSON goes to stdout.
    assert.match(json.stderr, /^FIXED/m);
  });

  it('compare: still leaking in another clone whose lines moved matches the same cause (not fixed + new), says how fast, exits 3; --fail-on new exits 0', async () => {
    const r = await watch(file('moved.json'), { cwd: cloneB });
    assert.equal(r.code, 0, r.stderr);
    const moved = saved('moved.json');
    assert.equal(moved.causes?.[0]?.addedAt?.line, markerLine(FIXTURE, '// leak-watch: adds Session') + SHIFT, 'the adding line moved');
    assert.equal(moved.watch?.program?.root, cloneB);
    const json = await compare(file('before.json'), file('moved.json'), '--json', '-');
    assert.equal(json.code, 3, json.stderr);
    const c = comparison(json);
    assert.deepEqual(c.causes.map((x) => x.verdict), ['still-leaking']);
    assert.ok(c.causes[0].matchedBy === 'holder' || c.causes[0].matchedBy === 'id');
    assert.equal(c.causes[0].leaksNow, true);
    const rate = c.causes[0].rate!;
    assert.ok(rate.before > 0 && rate.after > 0, JSON.stringify(rate));
    assert.match(json.stderr, /^STILL LEAKING\s+Session kept by the Map sessions/m);
    assert.match(json.stderr, /\/min now against [\d,]+\/min before/);
    assert.match(json.stderr, /exit code 3/);
    const onlyNew = await compare(file('before.json'), file('moved.json'), '--fail-on', 'new');
    assert.equal(onlyNew.code, 0, onlyNew.stdout);
    assert.match(onlyNew.stdout, /^STILL LEAKING/m);
  });

  it('compare: a partial fix that keeps a quarter of the sessions is still leaking, and slower', async () => {
    const r = await watch(file('slower.json'), { env: { LEAK_SLOWER: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const json = await compare(file('before.json'), file('slower.json'), '--json', '-');
    assert.equal(json.code, 3, json.stderr);
    const cause = comparison(json).causes.find((x) => x.before?.holder.variable === 'sessions');
    assert.equal(cause?.verdict, 'still-leaking');
    assert.equal(cause?.rate?.change, 'slower', JSON.stringify(cause?.rate));
    // A quarter of the rate, give or take what load does to two runs' rates.
    assert.ok(cause!.rate!.ratio! > 0.1 && cause!.rate!.ratio! < 0.5, JSON.stringify(cause?.rate));
    assert.match(json.stderr, /\d\.\d× slower/);
  });

  it('compare: a second leak in the after run is NEW; exit 3, and --fail-on new exits 3 for it alone', async () => {
    const r = await watch(file('second.json'), { env: { SECOND_LEAK: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const json = await compare(file('before.json'), file('second.json'), '--json', '-');
    assert.equal(json.code, 3, json.stderr);
    const c = comparison(json);
    const byVerdict = Object.fromEntries(c.causes.map((x) => [x.verdict, x]));
    assert.equal(byVerdict['still-leaking']?.after?.holder.variable, 'sessions');
    assert.equal(byVerdict.new?.after?.holder.kind, 'listener');
    assert.equal(byVerdict.new?.after?.holder.event, 'reload');
    assert.equal(byVerdict.new?.after?.kept[0]?.type, 'ReloadWatcher');
    assert.equal(byVerdict.new?.leaksNow, true);
    assert.equal(c.causes.length, 2, c.causes.map((x) => x.title).join('; '));
    assert.equal(c.types.find((t) => t.name === 'ReloadWatcher')?.verdict, 'new');
    const onlyNew = await compare(file('before.json'), file('second.json'), '--fail-on', 'new');
    assert.equal(onlyNew.code, 3, onlyNew.stdout);
    assert.match(onlyNew.stdout, /^NEW\s+ReloadWatcher kept by the 'reload' listeners of config/m);
    assert.match(onlyNew.stdout, /^1 new: exit code 3 \(--fail-on new\)\.$/m);
  });

  it('run --baseline: runs and compares in one step, with the same exit codes (fixed 0, still leaking 3)', async () => {
    const fixed = await watch(file('fixed-again.json'), { env: { LEAK_FIXED: '1' }, extra: ['--baseline', file('before.json')] });
    assert.equal(fixed.code, 0, `${fixed.stdout}\n${fixed.stderr}`);
    assert.match(fixed.stdout, /^FIXED\s+Session kept by the Map sessions/m);
    assert.match(fixed.stdout, /^after: .*this run$/m);
    assert.equal(saved('fixed-again.json').watch?.program?.entry, join(cloneA, 'fixable-leak.js'), 'the run is saved too');
    const leaking = await watch(file('leaking-again.json'), { extra: ['--baseline', file('before.json')] });
    assert.equal(leaking.code, 3, `${leaking.stdout}\n${leaking.stderr}`);
    assert.match(leaking.stdout, /^STILL LEAKING\s+Session kept by the Map sessions/m);
    // A baseline that cannot be read stops the run before it starts.
    const missing = await watch(file('never.json'), { extra: ['--baseline', file('missing.json')] });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Cannot read the saved watch .*missing\.json: no such file/);
    assert.doesNotMatch(missing.stderr, /ended the process/, 'no program was started');
  });

  it('compare: runs of different programs get a statement, no verdict, exit 1', async () => {
    const r = await watch(file('other.json'), { script: 'other-program.js', samples: 4 });
    assert.equal(r.code, 0, r.stderr);
    const json = await compare(file('before.json'), file('other.json'), '--json', '-');
    assert.equal(json.code, 1, json.stderr);
    const c = comparison(json);
    assert.equal(c.outcome, 'different-programs');
    assert.deepEqual(c.causes, []);
    assert.match(c.statement, /different programs: the baseline ran fixable-leak\.js .* the after run other-program\.js/);
    assert.match(json.stderr, /^No verdict\. These are runs of different programs/m);
    assert.doesNotMatch(json.stderr, /^(FIXED|STILL LEAKING|NEW)/m);
  });

  it('compare: a run too short to judge (fewer samples than a leak verdict needs) gets a statement, no verdict, exit 1, on either side', async () => {
    const r = await watch(file('short.json'), { samples: 3, env: { LEAK_FIXED: '1' } });
    assert.equal(r.code, 0, r.stderr);
    for (const [before, after, side] of [['before.json', 'short.json', 'after run'], ['short.json', 'before.json', 'baseline']]) {
      const out = await compare(file(before), file(after));
      assert.equal(out.code, 1, out.stdout);
      assert.match(out.stdout, new RegExp(`^No verdict\\. The ${side} is too short to judge: 3 samples over [\\d.]+ s; a leak verdict needs at least 4`, 'm'));
      assert.doesNotMatch(out.stdout, /^(FIXED|STILL LEAKING|NEW)/m);
    }
  });

  it('compareWatches: an after run too short for the baseline\'s slowest leak to show says how long is enough', () => {
    const before = saved('before.json');
    const fixed = saved('fixed.json');
    // The same fixed run, as if its samples had come 60 ms apart: the old rate would add few objects in that time.
    const hurried: SavedWatch = { ...fixed, samples: fixed.samples.map((s, i) => ({ ...s, time: fixed.samples[0].time + 60 * i })) };
    const c = compareWatches(before, hurried);
    assert.equal(c.outcome, 'too-short');
    const rate = before.causes![0].kept[0].countPerMinute;
    assert.equal(c.enough.seconds, Math.ceil((60 * 20) / rate));
    assert.match(c.statement, new RegExp(`too short to tell whether Session kept by the Map sessions is fixed: it spans 0\\.3 s.*Watch for at least ${c.enough.seconds} s`));
    assert.equal(compareWatches(before, fixed).outcome, 'compared', 'the real run is long enough');
  });

  it('matchCauses: by id; then by holder, file and kept class when the lines moved; paths taken from each run\'s root', () => {
    const before = saved('before.json');
    const moved = saved('moved.json');
    const [b] = before.causes!;
    const [m] = moved.causes!;
    // The same cause in two clones: the id names each clone's path.
    assert.ok(b.id.includes(cloneA) || !b.id.includes('/'), b.id);
    const pairs = matchCauses([b], cloneA, [m], cloneB);
    assert.equal(pairs.length, 1);
    assert.equal(pairs[0].after, m);
    // The same lines in another clone: the same id once each run's root is left out.
    const inB = { ...b, id: b.id.split(cloneA).join(cloneB), addedAt: { ...b.addedAt!, file: b.addedAt!.file.split(cloneA).join(cloneB) } };
    assert.notEqual(inB.id, b.id);
    assert.equal(matchCauses([b], cloneA, [inB], cloneB)[0].matchedBy, 'id');
    // Without the roots the paths differ, and the holder key still needs the file relative to one.
    assert.equal(matchCauses([b], undefined, [m], undefined).length, 2, 'two clones\' absolute paths are not one file');
    // Another kept class under the same holder is another cause.
    const other = { ...m, id: `${m.id}-other`, kept: [{ ...m.kept[0], type: 'OtherClass' }] };
    assert.equal(matchCauses([b], cloneA, [other], cloneB).length, 2);
  });

  it('compare: a file that is not a saved watch, or one of a newer format, says so in one line naming it, exit 1', async () => {
    const notJson = file('notes.txt');
    writeFileSync(notJson, 'hello\n');
    const noTypes = file('no-types.json');
    writeFileSync(noTypes, JSON.stringify({ ...saved('before.json'), types: 'many' }));
    const newer = file('newer.json');
    writeFileSync(newer, JSON.stringify({ ...saved('before.json'), watch: { ...saved('before.json').watch, format: 99 } }));
    for (const [bad, why] of [[notJson, /not JSON/], [noTypes, /types is not a list/], [newer, /format 99, newer than this Leak Watch reads \(1\); update leak-watch/], [file('absent.json'), /no such file/], [dir, /not a regular file/]] as const) {
      const r = await compare(file('before.json'), bad);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes(bad), r.stderr);
      assert.match(r.stderr, why);
    }
    const usage = await compare(file('before.json'));
    assert.equal(usage.code, 2);
    assert.equal((await runCli(['analyze', file('x.heapsnapshot'), '--fail-on', 'new'])).code, 2, '--fail-on goes with compare or --baseline');
  });

  it('compare: names and paths from a saved watch reach the terminal escaped, and exact in the JSON', async () => {
    const evil = '\u001b]0;PWNED\u0007\u001b[2J\nforged: line\u202e';
    const w = saved('second.json');
    const listener = w.causes!.find((c) => c.holder.kind === 'listener')!;
    listener.title = `ReloadWatcher ${evil}`;
    listener.evidence = [`kept ${evil}`];
    w.target.description = `node ${evil}`;
    writeFileSync(file('evil.json'), JSON.stringify(w));
    const r = await compare(file('before.json'), file('evil.json'));
    assert.equal(r.code, 3);
    assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, 'no control character but newlines');
    assert.match(r.stdout, /\\x1b\]0;PWNED\\x07/);
    const json = await compare(file('before.json'), file('evil.json'), '--json', '-');
    const newCause = comparison(json).causes.find((x) => x.verdict === 'new');
    assert.equal(newCause?.title, `ReloadWatcher ${evil}`);
    assert.doesNotMatch(json.stdout, /[\u007f-\u009f\u202e]/, 'the JSON escapes what a terminal acts on');
  });
});
