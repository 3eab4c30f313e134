/**
 * The audit log's CSV export (web/app/audit/audit-csv.server.ts, what POST /app/settings/audit/export
 * streams to the browser) read to the end as a download would, for a large log and for a small one.
 *
 * Memory: the live heap (after a full collection) is sampled while the export runs; the figure is its
 * largest growth over the heap before the export. A streaming export holds one batch at a time, so a
 * log many times longer should need about the same memory: the ratio large/small stays near 1, where an
 * export that collected its rows would grow with the row count (the "rows" ratio in the notes).
 * Time: milliseconds per 1,000 rows, which streaming keeps flat as the log grows.
 */
import type { Orm } from '../../db/orm';
import { forTenant } from '../../db/tenancy/tenant-context';
import { auditCsvStream } from '../../web/app/audit/audit-csv.server';
import { benchData, type TBenchmark } from '../context';
import type { TBenchFirm } from '../environment';
import { liveHeap, MiB } from '../measure';
import { compare } from '../report';
import { median } from '../stats';

interface TExportRun {
  liveGrowthMiB: number;
  rssGrowthMiB: number;
  bytes: number;
  chunks: number;
  ms: number;
}

/** The export's read batch (auditCsvStream's batchSize): one chunk of the stream per batch. */
const rowsPerChunk = 500;
/** Live-heap samples per export, at most (each one is a full collection). */
const samplesPerExport = 30;
/** Exports of each log, after one unmeasured small one (warm-up). */
const exportRuns = 3;

async function exportOnce(orm: Orm, firm: TBenchFirm): Promise<TExportRun> {
  const expectedChunks = Math.ceil(firm.counts.auditEvents / rowsPerChunk) + 1;
  const sampleEvery = Math.max(1, Math.ceil(expectedChunks / samplesPerExport));
  const before = liveHeap();
  const rssBefore = process.memoryUsage().rss;
  let peakLive = before;
  let peakRss = rssBefore;
  let bytes = 0;
  let chunks = 0;
  const started = process.hrtime.bigint();
  const reader = auditCsvStream(forTenant(orm, firm.id), {
    organizationId: firm.id,
    filters: {},
  }).getReader();
  // Time is measured apart from the collections the samples force.
  let sampling = 0n;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    chunks += 1;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (chunks % sampleEvery === 0) {
      const sampleStarted = process.hrtime.bigint();
      peakLive = Math.max(peakLive, liveHeap());
      sampling += process.hrtime.bigint() - sampleStarted;
    }
  }
  const ms = Number(process.hrtime.bigint() - started - sampling) / 1e6;
  peakLive = Math.max(peakLive, liveHeap());
  return {
    liveGrowthMiB: (peakLive - before) / MiB,
    rssGrowthMiB: (peakRss - rssBefore) / MiB,
    bytes,
    chunks,
    ms,
  };
}

export const auditExportBenchmark: TBenchmark = async (context) => {
  const { orm, small, large } = benchData(context);
  const { log } = context;
  // Each large export reads the whole log (a minute at 200,000 rows on a busy 2-core machine): a few
  // runs, not the list benchmarks' dozens. Memory growth varies little between runs.
  const runs = exportRuns;
  log(
    `audit-export · ${runs} exports of each log (${small.counts.auditEvents.toLocaleString('en-US')} and ${large.counts.auditEvents.toLocaleString('en-US')} rows)`,
  );
  await exportOnce(orm, small);
  const smallRuns: TExportRun[] = [];
  const largeRuns: TExportRun[] = [];
  for (let i = 0; i < runs; i += 1) {
    if (i % 2 === 0) {
      smallRuns.push(await exportOnce(orm, small));
      largeRuns.push(await exportOnce(orm, large));
    } else {
      largeRuns.push(await exportOnce(orm, large));
      smallRuns.push(await exportOnce(orm, small));
    }
  }
  const rowsRatio = large.counts.auditEvents / small.counts.auditEvents;
  const largest = (values: number[]) => Math.max(...values).toFixed(1);
  const common = {
    group: 'audit-export' as const,
    baselineLabel: `CSV export of the ${small.label}'s log (${small.counts.auditEvents.toLocaleString('en-US')} rows)`,
    measuredLabel: `CSV export of the ${large.label}'s log (${large.counts.auditEvents.toLocaleString('en-US')} rows)`,
  };
  return [
    compare({
      ...common,
      name: 'live heap growth',
      unit: 'MiB',
      baselineSamples: smallRuns.map((run) => run.liveGrowthMiB),
      measuredSamples: largeRuns.map((run) => run.liveGrowthMiB),
      noiseFloor: 2,
      target: {
        maxRatio: 2,
        why: `the export holds one ${rowsPerChunk}-row batch at a time, so memory must not follow the row count (${rowsRatio.toFixed(0)}× here); 2× allows for the names cache and allocator noise, and growth under 2 MiB counts as 2 MiB (noise floor)`,
      },
      notes: [
        `ratio without the noise floor: ${(median(largeRuns.map((run) => run.liveGrowthMiB)) / median(smallRuns.map((run) => run.liveGrowthMiB))).toFixed(2)}×`,
        `rows ratio ${rowsRatio.toFixed(1)}× (what the memory ratio would be if the export held every row)`,
        `largest RSS growth: small ${largest(smallRuns.map((run) => run.rssGrowthMiB))} MiB, large ${largest(largeRuns.map((run) => run.rssGrowthMiB))} MiB`,
        `large export: ${(largeRuns[0]!.bytes / MiB).toFixed(1)} MiB of CSV in ${largeRuns[0]!.chunks} chunks`,
      ],
    }),
    compare({
      ...common,
      name: 'time per 1,000 rows',
      notes: [
        `throughput of the large export: ${Math.round(large.counts.auditEvents / (median(largeRuns.map((run) => run.ms)) / 1000)).toLocaleString('en-US')} rows/s`,
      ],
      unit: 'ms',
      baselineSamples: smallRuns.map((run) => (run.ms / small.counts.auditEvents) * 1000),
      measuredSamples: largeRuns.map((run) => (run.ms / large.counts.auditEvents) * 1000),
      target: {
        maxRatio: 1.5,
        why: 'each batch is one keyset query on an index, so a row costs the same however long the log; 1.5× leaves room for noise',
      },
    }),
  ];
};
