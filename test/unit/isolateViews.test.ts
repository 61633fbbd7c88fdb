// A program's report read one isolate at a time (the panel's picker, the hovers, the editor's links).
import * as assert from 'node:assert/strict';
import { describeIsolate, isolateView, isolateViews } from '../../src/core/isolateViews';
import type { IsolateReport, Report } from '../../src/core/report';

const section = (key: string, pid: number, threadId: number, entry: string, type: string): IsolateReport => ({
  isolate: { key, pid, threadId, entry, title: threadId ? `[worker ${threadId}] jobs` : `node ${entry}`, startedAt: 1 },
  samples: [],
  types: [{ name: type, verdict: 'leak' } as Report['types'][number]],
  leaks: [],
  causes: [{ id: `${type}-cause`, isolate: key } as NonNullable<Report['causes']>[number]],
});

describe('a program report, one isolate at a time', () => {
  const main = section('10', 10, 0, '/app/server.js', 'Request');
  const child = section('11', 11, 0, '/app/child.js', 'Session');
  const worker = section('10/2', 10, 2, '/app/jobs.js', 'Job');
  const { isolate, ...top } = main;
  const report: Report = { version: 1, target: { kind: 'session', description: 'app', pid: 10 }, startedAt: 'now', ...top, isolate, isolates: [main, child, worker] };

  it("a view puts the isolate's findings at the top level and keeps the program's target, start and sections", () => {
    const view = isolateView(report, '10/2');
    assert.deepEqual(view.types.map((t) => t.name), ['Job']);
    assert.deepEqual(view.causes?.map((c) => c.id), ['Job-cause']);
    assert.equal(view.isolate?.key, '10/2');
    assert.deepEqual(view.target, { kind: 'session', description: 'app', pid: 10 });
    assert.equal(view.startedAt, 'now');
    assert.equal(view.isolates, report.isolates, 'the picker still lists every isolate');
  });

  it('the top-level isolate, an unknown key or no key give the report itself', () => {
    for (const key of ['10', '99', undefined]) assert.equal(isolateView(report, key), report);
  });

  it('every isolate once, the top-level one first; a report of one isolate is its own only view', () => {
    assert.deepEqual(isolateViews(report).map((v) => v.types[0].name), ['Request', 'Session', 'Job']);
    const single: Report = { version: 1, target: { kind: 'attach', description: 'x' }, startedAt: 'now', samples: [], types: [], leaks: [] };
    assert.deepEqual(isolateViews(single), [single]);
  });

  it('names an isolate in plain words', () => {
    assert.equal(describeIsolate(main.isolate), 'pid 10 (server.js)');
    assert.equal(describeIsolate(worker.isolate), 'worker thread 2 "jobs" of pid 10 (jobs.js)');
    assert.equal(describeIsolate({ pid: 3, threadId: 1, entry: 'C:\\app\\w.js', title: '[worker 1]' }), 'worker thread 1 of pid 3 (w.js)');
  });
});
