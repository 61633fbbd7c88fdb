// The markdown tables of a bench run (from the JSON that bench/run.mjs writes).

/** Median of numbers (mean of the middle two for an even count). */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const mb = (bytes) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GB` : `${Math.round(bytes / 2 ** 20)} MB`);
const secs = (ms) => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`);
const millions = (n) => (n == null ? '?' : `${(n / 1e6).toFixed(2)} M`);

/** Targets of issue 7: the headline analysis of the largest and the 150 MB snapshot. */
const TARGETS = [
  { mb: 600, ms: 5000, rss: 1.2 * 2 ** 30 },
  { mb: 150, ms: 1300 },
];

/** The whole report: analysis table, stage breakdown, debuggee pause, allocation tracking, targets. */
export function formatReport(r, headlineId) {
  const lines = [];
  const sizes = [...new Set(r.results.map((x) => x.mb))];
  const cell = (mbSize, toolId) => r.results.find((x) => x.mb === mbSize && x.tool === toolId);
  lines.push(
    `## Leak Watch bench, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Node ${r.node}, ${r.cpus} × ${r.cpuModel ?? 'cpu'}, ${mb(r.totalMem)} RAM; load average ${r.loadStart.join(' ')} at start, ${r.loadEnd.join(' ')} at the end ` +
      `(other work shares the machine). Each tool is a whole child process (\`node --max-old-space-size=16384 …\`), the snapshot file read through once before each run (from the page cache, not the disk); median of ${r.runs}; ` +
      `peak RSS from ${r.peakRssSource}. ${freshPagesNote(r)}Cells: wall time (CPU time: user + system, all threads, less sensitive to the load) · MB/s of snapshot (by wall time) · peak RSS · wall-time (and CPU-time) ratio to ${labelOf(r, headlineId)}.`,
    '',
  );
  const tools = r.tools;
  lines.push(`| snapshot | nodes / edges | ${tools.map((t) => t.label).join(' | ')} |`);
  lines.push(`|---|---|${tools.map(() => '---').join('|')}|`);
  for (const s of sizes) {
    const any = r.results.find((x) => x.mb === s);
    const counted = r.results.find((x) => x.mb === s && x.nodes);
    const head = cell(s, headlineId);
    const cells = tools.map((t) => {
      const c = cell(s, t.id);
      if (!c) return '–';
      if (!c.ok) return `fails: ${escape(c.error ?? 'unknown').slice(0, 160)}`;
      const cpuRatio = c.medianCpuMs != null && head?.medianCpuMs ? ` (CPU ${(c.medianCpuMs / head.medianCpuMs).toFixed(1)}×)` : '';
      const ratio = head?.ok && t.id !== headlineId ? ` · ${(c.medianWallMs / head.medianWallMs).toFixed(1)}×${cpuRatio}` : '';
      const cpu = c.medianCpuMs != null ? ` (CPU ${secs(c.medianCpuMs)})` : '';
      return `${secs(c.medianWallMs)}${cpu} · ${c.mbPerSecond.toFixed(0)} MB/s · ${mb(c.medianPeakRss)}${ratio}`;
    });
    lines.push(`| ${(any.bytes / 1e6).toFixed(0)} MB | ${millions(counted?.nodes)} / ${millions(counted?.edges)} | ${cells.join(' | ')} |`);
  }
  lines.push('', `Chrome DevTools' heap snapshot worker: ${r.devtools}.`);
  if (r.leakWatch) lines.push(`Leak Watch modules measured: ${r.leakWatch.modules.join(', ')}; CLI \`analyze\`: ${r.leakWatch.cli}.`);

  const staged = r.results.filter((x) => x.tool === 'leakwatch-full' && x.stages);
  if (staged.length) {
    const keys = Object.keys(staged[0].stages);
    lines.push(
      '',
      '### Leak Watch full, inside the process (median wall ms per stage; CPU ms in parentheses where measured)',
      '',
      `| snapshot | ${keys.join(' | ')} |`,
      `|---|${keys.map(() => '---:').join('|')}|`,
    );
    for (const x of staged) {
      const v = (k) => `${Math.round(x.stages[k] ?? 0)}${x.stagesCpu?.[k] != null ? ` (${Math.round(x.stagesCpu[k])})` : ''}`;
      lines.push(`| ${(x.bytes / 1e6).toFixed(0)} MB | ${keys.map(v).join(' | ')} |`);
    }
  }

  lines.push(
    '',
    '### The debuggee: taking each snapshot (in-process `node:inspector`, HeapProfiler.takeHeapSnapshot, chunks written to a file)',
    '',
    '| snapshot | generator units | heap used | pause (wall time of takeHeapSnapshot; its CPU time) | debuggee peak RSS | load then | measured |',
    '|---|---:|---:|---:|---:|---:|---|',
  );
  for (const h of r.heaps) {
    lines.push(
      `| ${(h.bytes / 1e6).toFixed(0)} MB | ${h.units} | ${mb(h.debuggeeHeapUsed)} | ${secs(h.pauseMs)}${h.pauseCpuMs != null ? ` (CPU ${secs(h.pauseCpuMs)})` : ''}${h.firstChunkMs ? `, first chunk after ${secs(h.firstChunkMs)}` : ''} | ${mb(h.debuggeePeakRss)} (${(h.debuggeePeakRss / h.debuggeeHeapUsed).toFixed(1)}× heap) | ${h.load.toFixed(2)} | ${h.generatedAt.slice(0, 16).replace('T', ' ')}${h.cached ? ' (cached)' : ''} |`,
    );
  }

  if (r.streamed?.length) {
    lines.push(
      '',
      '### Streamed over the remote inspector into the snapshot worker, as the watch takes a sample (bench/stream-sample.ts; three snapshots of one debuggee; from the third on the parse reuses the buffers of the graph before the latest)',
      '',
      '| snapshot | sample | nodes / edges | pause (takeHeapSnapshot) | first chunk after | last chunk → Sample | host event loop: longest stall | host main thread CPU | load then |',
      '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const st of r.streamed) {
      if (!st.ok) {
        lines.push(`| ${st.mb} MB | – | – | fails: ${escape(st.error ?? 'unknown').slice(0, 160)} | | | | | ${st.load?.toFixed(2) ?? ''} |`);
        continue;
      }
      for (const x of st.samples) {
        lines.push(
          `| ${(x.chars / 1e6).toFixed(0)} MB | ${x.index + 1} | ${millions(x.nodes)} / ${millions(x.edges)} | ${secs(x.pauseMs)} | ${secs(x.firstChunkMs)} | ${x.lastChunkToSampleMs} ms | ${x.hostMaxLagMs} ms | ${x.hostCpuMs === undefined ? '–' : `${x.hostCpuMs} ms`} | ${st.load.toFixed(2)} |`,
        );
      }
    }
  }

  if (r.allocTracking) {
    const a = r.allocTracking;
    const rel = (v) => (v === a.median.off ? '1.00' : `${(v / a.median.off).toFixed(2)} (−${Math.round((1 - v / a.median.off) * 100)} %)`);
    lines.push(
      '',
      `### Allocation tracking on an allocation-heavy loop (ops/s, median of ${a.samples.off.length} processes × ${a.seconds} s each; load ${a.load[0]})`,
      '',
      '| tracking | ops/s | relative to off |',
      '|---|---:|---:|',
      `| off | ${a.median.off.toLocaleString('en')} | 1.00 |`,
      `| object ids only (startTrackingHeapObjects, trackAllocations: false) | ${a.median.ids.toLocaleString('en')} | ${rel(a.median.ids)} |`,
      `| allocation stacks (startTrackingHeapObjects, trackAllocations: true) | ${a.median.allocations.toLocaleString('en')} | ${rel(a.median.allocations)} |`,
    );
  }

  const targetLines = [];
  for (const t of TARGETS) {
    const c = r.results.find((x) => x.tool === headlineId && x.mb === t.mb);
    if (!c) continue;
    if (!c.ok) {
      targetLines.push(`- ${t.mb} MB: ${labelOf(r, headlineId)} failed`);
      continue;
    }
    const timeOk = c.medianWallMs <= t.ms;
    const rssOk = t.rss == null || c.medianPeakRss <= t.rss;
    targetLines.push(
      `- ${t.mb} MB: ${secs(c.medianWallMs)} (target ≤ ${secs(t.ms)}: ${timeOk ? 'met' : 'missed'})` +
        (t.rss ? `, ${mb(c.medianPeakRss)} peak RSS (target ≤ ${mb(t.rss)}: ${rssOk ? 'met' : 'missed'})` : ''),
    );
  }
  const streamed150 = r.streamed?.find((x) => x.mb === 150 && x.ok);
  if (streamed150) {
    const worst = Math.max(...streamed150.samples.map((x) => x.lastChunkToSampleMs));
    const stall = Math.max(...streamed150.samples.map((x) => x.hostMaxLagMs));
    targetLines.push(`- 150 MB streamed: last chunk → Sample at most ${worst} ms (target ≤ 1 s: ${worst <= 1000 ? 'met' : 'missed'}); host event loop stalled at most ${stall} ms (target ≤ 50 ms: ${stall <= 50 ? 'met' : 'missed'})`);
  }
  if (targetLines.length) lines.push('', `### Targets (issue 7), ${labelOf(r, headlineId)}`, '', ...targetLines);
  return lines.join('\n');
}

/** How dear fresh memory was during the run: on a freshly booted VM every tool is slower for it. */
function freshPagesNote(r) {
  const [start, end] = r.freshPagesMsPerMb ?? [];
  if (start == null) return '';
  const cold = Math.max(start, end ?? 0) > 1;
  const warm = r.warmed?.length
    ? `Before each size's runs a child touched ${r.warmed[0].gb} GB of fresh memory (at ${r.warmed.map((w) => w.msPerMb).join(', ')} ms/MB) and exited, so that the tools met pages the host already backed. `
    : '';
  return (
    `A first touch of fresh memory cost ${start} ms/MB at the start${end != null ? `, ${end} at the end` : ''} ` +
    (cold ? '(dear: a VM whose host backs memory on first use and takes freed memory back; every time here is inflated by the memory its tool touches). ' : '(the kernel zeroing pages). ') +
    warm
  );
}

function labelOf(r, id) {
  return r.tools.find((t) => t.id === id)?.label ?? id;
}

function escape(text) {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
