// `leak-watch run` on a whole program: a leak in a worker_threads worker, and one in a cluster worker
// under `npm run start` (a real package.json script), each found in its own isolate's section and
// named with where it lives; the npm wrapper is not watched; no process or inspector port is left.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Report } from '../../../src/core/report';
import { assertNothingLeft, markedRunHooks, recorded, runCli } from './support';

const programs = path.join(__dirname, '../programs');

describe('leak-watch run: the whole program', function () {
  this.timeout(180_000);
  const runs = markedRunHooks('leak-watch-program-');
  const { dir } = runs;

  it('a leak inside a worker_threads worker: found in its own section, named with its thread', async () => {
    const json = path.join(dir, 'workers.json');
    const r = await runCli(['run', '--samples', '4', '--interval', '1', '--json', json, '--', 'node', path.join(programs, 'workers/main.js')], {
      mark: runs.mark,
      env: { RECORD_TO: runs.record },
      timeoutMs: 170_000,
    });
    await assertNothingLeft(runs.mark, runs.record);
    assert.equal(r.code, 0, r.stderr);
    const threadId = Number(/^worker jobs (\d+)$/m.exec(r.stderr + r.stdout)?.[1]);
    assert.ok(threadId > 0, `main.js printed the jobs worker's threadId: ${r.stderr}`);
    const [program] = recorded(runs.record);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as Report;
    const jobs = report.isolates?.find((s) => s.isolate.threadId === threadId);
    assert.ok(jobs, `a section for thread ${threadId}: ${report.isolates?.map((s) => s.isolate.title).join(', ')}`);
    assert.equal(jobs!.isolate.pid, program.pid);
    assert.equal(jobs!.isolate.title, `[worker ${threadId}] jobs`);
    assert.equal(jobs!.types.find((t) => t.name === 'Job')?.verdict, 'leak');
    const cause = jobs!.causes?.find((c) => c.kept.some((k) => k.type === 'Job'));
    assert.equal(cause?.isolate, jobs!.isolate.key, 'the cause says where it lives');
    assert.equal(cause?.holder.variable, 'kept');
    const main = report.isolates!.find((s) => s.isolate.threadId === 0);
    assert.ok(main && !main.types.some((t) => t.name === 'Job'), 'not in the main thread');
    assert.match(r.stdout, new RegExp(`^LEAK: Job kept by the array kept\\n  lives in worker thread ${threadId} "jobs" of pid ${program.pid} \\(grows\\.js\\)$`, 'm'));
  });

  it('`npm run start` of a cluster: the leak in the forked worker is found in its section, npm is not watched, and nothing is left', async () => {
    const app = path.join(dir, 'app');
    fs.mkdirSync(app, { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', scripts: { start: `node ${path.join(programs, 'cluster.js')}` } }));
    const json = path.join(dir, 'cluster.json');
    const r = await runCli(['run', '--samples', '4', '--interval', '0.3', '--json', json, '--', 'npm', 'run', 'start'], {
      mark: runs.mark,
      cwd: app,
      env: { RECORD_TO: runs.record },
      timeoutMs: 170_000,
    });
    // Both processes' inspector ports are closed and no process (npm, its shell, the cluster) runs.
    await assertNothingLeft(runs.mark, runs.record);
    assert.equal(r.code, 0, r.stderr);
    const processes = recorded(runs.record);
    assert.equal(processes.length, 2, 'the primary and its worker recorded themselves');
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as Report;
    const sections = report.isolates ?? [];
    assert.deepEqual(sections.map((s) => s.isolate.pid).sort(), processes.map((p) => p.pid).sort(), 'the cluster\'s processes, and not npm');
    assert.ok(!sections.some((s) => /npm/.test(s.isolate.title)), sections.map((s) => s.isolate.title).join(', '));
    const [primary, worker] = sections;
    assert.equal(worker.isolate.parentPid, primary.isolate.pid, 'the worker was forked by the primary');
    assert.equal(worker.types.find((t) => t.name === 'Session')?.verdict, 'leak');
    assert.notEqual(primary.types.find((t) => t.name === 'Session')?.verdict, 'leak');
    const cause = worker.causes?.find((c) => c.kept.some((k) => k.type === 'Session'));
    assert.equal(cause?.isolate, worker.isolate.key);
    assert.equal(cause?.holder.variable, 'sessions');
    assert.match(r.stdout, new RegExp(`^LEAK: Session kept by the Map sessions\\n  lives in pid ${worker.isolate.pid} \\(cluster\\.js\\)$`, 'm'));
    assert.match(r.stderr, /^leak-watch: ended the [3-9] processes of "npm run start"/m);
  });
});
