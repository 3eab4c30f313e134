/**
 * The benchmark suite: `npm run bench` (full: a firm of 10,000 clients) or `npm run bench -- --quick`.
 * Starts its own PostgreSQL, seeds the demo firm and a large firm, runs each benchmark against a
 * baseline measured in the same run, prints a table of ratios, writes the results as JSON under
 * .data/bench/ and exits 1 when a target is missed (0 with --no-fail). See docs/benchmarks.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createConsoleLog } from '../infra/local/log';
import { repoRoot } from '../infra/local/paths';
import { benchUsage, parseBenchArgs, type TBenchArgs, type TBenchmarkGroup } from './args';
import { auditExportBenchmark } from './benchmarks/audit-export';
import { fieldEncryptionBenchmark } from './benchmarks/field-encryption';
import { listQueriesBenchmark } from './benchmarks/list-queries';
import { payloadCodecBenchmark } from './benchmarks/payload-codec';
import type { TBenchmark } from './context';
import { seedBenchData, startBenchDatabase, useThrowawayFieldKeys } from './environment';
import { exitCodeFor, formatTable, resultsDocument, type TBenchmarkResult, type TRunInfo } from './report';

const benchmarks: Record<TBenchmarkGroup, TBenchmark> = {
  lists: listQueriesBenchmark,
  'audit-export': auditExportBenchmark,
  'payload-codec': payloadCodecBenchmark,
  'field-encryption': fieldEncryptionBenchmark,
};

/** The demo firm's audit log for the export's small side: big enough for a few batches. */
const smallAuditEvents = 2_000;

async function main(): Promise<number> {
  const parsed = parseBenchArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    console.log(benchUsage);
    return 0;
  }
  if (parsed.kind === 'error') {
    console.error(`${parsed.message}\n${benchUsage}`);
    return 2;
  }
  if (process.env.NODE_ENV === 'production') {
    console.error('The benchmarks seed throwaway data and never run with NODE_ENV=production.');
    return 2;
  }
  const args = parsed.args;
  const log = createConsoleLog('bench');
  const startedAt = new Date();
  log.info(
    `${args.quick ? 'quick' : 'full'} run: ${args.clients.toLocaleString('en-US')} clients, ${args.iterations} iterations after ${args.warmup} warm-up, groups ${args.only.join(', ')}`,
  );

  useThrowawayFieldKeys();
  const needsDatabase = args.only.some((group) => group !== 'payload-codec');
  const results: TBenchmarkResult[] = [];
  let data: Awaited<ReturnType<typeof seedBenchData>> | undefined;
  const setupStarted = Date.now();
  const database = needsDatabase ? await startBenchDatabase(log) : undefined;
  try {
    if (database) {
      data = await seedBenchData(database.url, {
        clients: args.clients,
        auditEvents: args.auditEvents,
        smallAuditEvents,
        taxIds: Math.min(args.clients, 1_000),
        log,
      });
      data.setupSeconds.total = Math.round((Date.now() - setupStarted) / 100) / 10;
      log.info(`data ready in ${data.setupSeconds.total} s: ${describeCounts(data.large.counts)}`);
    }
    for (const group of args.only) {
      const started = Date.now();
      const context = { data, args, log: (line: string) => log.info(line) };
      results.push(...(await benchmarks[group](context)));
      log.info(`${group} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await data?.orm.close(true).catch(() => undefined);
    await database?.stop();
  }

  console.log(`\n${formatTable(results)}\n`);
  for (const result of results) {
    for (const note of result.notes) console.log(`note: ${result.group} · ${result.name}: ${note}`);
  }
  for (const result of results.filter((r) => !r.passed)) {
    console.log(`missed: ${result.group} · ${result.name}: ${result.target.why}`);
  }
  const file = await writeResults(
    args,
    {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      quick: args.quick,
      iterations: args.iterations,
      warmup: args.warmup,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
        totalMemoryMiB: Math.round(os.totalmem() / 1024 / 1024),
        node: process.version,
      },
      data: data
        ? {
            smallClients: data.small.counts.clients,
            smallAuditEvents: data.small.counts.auditEvents,
            ...Object.fromEntries(
              Object.entries(data.large.counts).map(([kind, n]) => [`large${capital(kind)}`, n]),
            ),
            taxIdClients: data.taxIdClients,
          }
        : {},
      setupSeconds: data?.setupSeconds ?? {},
    },
    results,
  );
  console.log(`results: ${path.relative(repoRoot, file)}`);
  if (results.some((result) => !result.passed) && !args.failOnMiss) {
    console.log('a target was missed; exiting 0 (--no-fail)');
  }
  return exitCodeFor(results, args.failOnMiss);
}

const capital = (word: string) => `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`;

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([kind, n]) => `${n.toLocaleString('en-US')} ${kind}`)
    .join(', ');
}

async function writeResults(
  args: TBenchArgs,
  run: TRunInfo,
  results: readonly TBenchmarkResult[],
): Promise<string> {
  const dir = path.resolve(repoRoot, args.outDir);
  await mkdir(dir, { recursive: true });
  const text = `${JSON.stringify(resultsDocument(run, results), null, 2)}\n`;
  const file = path.join(dir, `bench-${run.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, text);
  await writeFile(path.join(dir, 'latest.json'), text);
  return file;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
