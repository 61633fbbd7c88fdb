// A census of the program's objects without a heap snapshot: `Runtime.queryObjects` on
// Object.prototype (V8 collects garbage and lists every live object), counted in the program by
// constructor name. Objects of the types being tracked are labelled, in a WeakMap the program holds
// for us, with the census that first saw them, so each census also says how many objects of each
// earlier census interval are still alive: birth cohorts, as snapshot ids give them. A label is a
// string per census (its mark: a tag of this watch's and the census's number): a snapshot taken
// while the labels are alive shows each labelled object's edge to its mark, so a first snapshot can
// tell the objects born since the censuses began.
import { randomBytes } from 'node:crypto';
import type { CensusLabels } from './analysis/censusBirths';
import type { CdpConnection } from './cdp/connection';

/** One census: live objects by type, and the tracked types' birth cohorts. */
export interface Census {
  /** Wall-clock time, ms since the epoch. */
  time: number;
  /** How long the program was paused (the query and the count), ms. */
  pauseMs: number;
  /** This census's number in its tracking state (0 = the first since the labels were last dropped). */
  index: number;
  /** Live objects by the name of their prototype's constructor (classes, built-in types; plain objects all `Object`). */
  counts: Record<string, number>;
  /** Objects counted in all. */
  objects: number;
  /** Types this census started to label (their objects so far are all in `cohorts[type][index]`). */
  started: string[];
  /**
   * For each tracked type, alive objects by the census that first saw them: cohorts[k] counts those
   * labelled by census k of this state; the type's first census labels every object it finds.
   */
  cohorts: Record<string, number[]>;
}

/** The object group of the census's query result, released at once. */
const QUERY_GROUP = 'leak-watch-census';
/** The object group of the labels (a WeakMap in the program) and of Object.prototype's handle. */
const STATE_GROUP = 'leak-watch-census-labels';

/**
 * Runs in the program on the array `queryObjects` returned. Reads prototypes and own data
 * properties only (no getter, no Proxy trap of the program runs). Counts objects by type; then
 * labels, in `labels` (a WeakMap: it keeps nothing alive), objects of the `tracked` types, and of
 * types that have grown by `minGrowth` over their `baseline` count (up to `maxTracked` types in
 * all), with `index` when it first sees them.
 */
const COUNT_AND_LABEL = `function (labels, marks, tag, tracked, index, baseline, minGrowth, maxTracked) {
  const own = Object.getOwnPropertyDescriptor;
  const util = typeof process === 'object' && process && typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('util') : undefined;
  const isProxy = util && util.types ? util.types.isProxy : () => false;
  const names = new Map();
  const counts = new Map();
  const typeOf = new Array(this.length);
  for (let i = 0; i < this.length; i++) {
    const o = this[i];
    let p;
    try { p = Object.getPrototypeOf(o); } catch (e) { continue; }
    let name = names.get(p);
    if (name === undefined) {
      name = '';
      try {
        const c = p && !isProxy(p) ? own(p, 'constructor') : undefined;
        const f = c && typeof c.value === 'function' && !isProxy(c.value) ? own(c.value, 'name') : undefined;
        if (f && typeof f.value === 'string') name = f.value;
      } catch (e) {}
      names.set(p, name);
    }
    if (name === '') continue;
    typeOf[i] = name;
    counts.set(name, (counts.get(name) || 0) + 1);
  }
  const track = new Set(tracked);
  const started = [];
  const grown = Object.keys(baseline)
    .map((k) => [k, (counts.get(k) || 0) - baseline[k]])
    .filter(([k, by]) => by >= minGrowth && !track.has(k))
    .sort((a, b) => b[1] - a[1]);
  for (const [k] of grown) {
    if (track.size >= maxTracked) break;
    track.add(k);
    started.push(k);
  }
  const cohorts = new Map();
  if (track.size) {
    // One flat string per census (join, not +, which would make a concatenation the snapshot names apart).
    const mark = marks[index] || (marks[index] = [tag, index].join(''));
    for (let i = 0; i < this.length; i++) {
      const name = typeOf[i];
      if (name === undefined || !track.has(name)) continue;
      const o = this[i];
      const label = labels.get(o);
      let born;
      if (label === undefined) {
        labels.set(o, mark);
        born = index;
      } else born = Number(label.slice(tag.length));
      let c = cohorts.get(name);
      if (!c) cohorts.set(name, (c = []));
      c[born] = (c[born] || 0) + 1;
    }
  }
  const out = { counts: {}, cohorts: {}, objects: this.length, started };
  for (const [k, v] of counts) out.counts[k] = v;
  for (const [k, v] of cohorts) out.cohorts[k] = Array.from({ length: index + 1 }, (_, j) => v[j] || 0);
  return out;
}`;

/** Which types a census labels: those asked for, and those that grew over a baseline. */
export interface CensusTracking {
  /** Types already being labelled. */
  tracked: readonly string[];
  /** Counts at the snapshot before, of the types that may start being labelled when they have grown. */
  baseline?: Record<string, number>;
  /** Growth over the baseline that starts the labelling of a type. Default 20. */
  minGrowth?: number;
  /** Most types labelled at once. Default 16. */
  maxTracked?: number;
}

/** Takes censuses of one program; labels persist between censuses until `dropLabels()`. */
export class CensusTaker {
  private objectPrototype: string | undefined;
  private labels: string | undefined;
  /** The program's array of marks (a string per census that labelled objects). */
  private marks: string | undefined;
  /** The start of this labelling's marks (see `CensusLabels.tag`). */
  private tag = '';
  private index = 0;
  /** For each labelled type, the census that first labelled it. */
  private since: Record<string, number> = {};

  /** `guard` races each request against the watch's cancellation. */
  constructor(
    private readonly connection: CdpConnection,
    private readonly guard: <T>(step: Promise<T>) => Promise<T> = (step) => step,
  ) {}

  /** Census number the next `take` will have in the current labels (0 after `dropLabels`). */
  get nextIndex(): number {
    return this.index;
  }

  /** Counts every live object by type; objects of tracked types get labelled with this census. */
  async take(tracking: CensusTracking, timeoutMs: number): Promise<Census> {
    const { connection } = this;
    const time = Date.now();
    const started = performance.now();
    if (!this.objectPrototype || !this.labels || !this.marks) {
      const [proto, labels, marks] = await Promise.all([
        this.guard(connection.send('Runtime.evaluate', { expression: 'Object.prototype', objectGroup: STATE_GROUP, silent: true }, { timeoutMs })),
        this.guard(connection.send('Runtime.evaluate', { expression: 'new WeakMap()', objectGroup: STATE_GROUP, silent: true }, { timeoutMs })),
        this.guard(connection.send('Runtime.evaluate', { expression: '[]', objectGroup: STATE_GROUP, silent: true }, { timeoutMs })),
      ]);
      if (!proto.result.objectId || !labels.result.objectId || !marks.result.objectId) throw new Error('The program has no Object.prototype to query (not a JavaScript context).');
      this.objectPrototype = proto.result.objectId;
      this.labels = labels.result.objectId;
      this.marks = marks.result.objectId;
      this.index = 0;
      this.since = {};
      this.tag = `leak-watch census ${randomBytes(6).toString('hex')} `;
    }
    try {
      const { objects } = await this.guard(
        connection.send('Runtime.queryObjects', { prototypeObjectId: this.objectPrototype, objectGroup: QUERY_GROUP }, { timeoutMs }),
      );
      const { result, exceptionDetails } = await this.guard(
        connection.send(
          'Runtime.callFunctionOn',
          {
            objectId: objects.objectId!,
            functionDeclaration: COUNT_AND_LABEL,
            arguments: [
              { objectId: this.labels },
              { objectId: this.marks },
              { value: this.tag },
              { value: [...tracking.tracked] },
              { value: this.index },
              { value: tracking.baseline ?? {} },
              { value: tracking.minGrowth ?? 20 },
              { value: tracking.maxTracked ?? 16 },
            ],
            returnByValue: true,
            silent: true,
          },
          { timeoutMs },
        ),
      );
      if (exceptionDetails) throw new Error(`Counting the program's objects failed: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      const value = result.value as Pick<Census, 'counts' | 'cohorts' | 'objects' | 'started'>;
      const pauseMs = Math.round(performance.now() - started);
      for (const type of Object.keys(value.cohorts)) this.since[type] ??= this.index;
      return { time, pauseMs, index: this.index++, counts: value.counts, cohorts: value.cohorts, objects: value.objects, started: value.started };
    } finally {
      if (!connection.closed) connection.send('Runtime.releaseObjectGroup', { objectGroup: QUERY_GROUP }, { timeoutMs: 5000 }).catch(() => {});
    }
  }

  /**
   * What a snapshot taken now, with the labels alive, needs to date the labelled types' objects (see
   * `CensusLabels`); undefined when nothing is labelled. Call `dropLabels` after the snapshot.
   */
  snapshotLabels(): CensusLabels | undefined {
    if (!this.labels || !Object.keys(this.since).length) return undefined;
    return { tag: this.tag, since: { ...this.since } };
  }

  /** Drops the labels (so that they never appear in a later heap snapshot); the next census starts afresh at index 0. */
  async dropLabels(timeoutMs = 5000): Promise<void> {
    if (!this.labels) return;
    this.labels = undefined;
    this.marks = undefined;
    this.objectPrototype = undefined;
    this.index = 0;
    this.since = {};
    if (!this.connection.closed) await this.connection.send('Runtime.releaseObjectGroup', { objectGroup: STATE_GROUP }, { timeoutMs }).catch(() => {});
  }
}
