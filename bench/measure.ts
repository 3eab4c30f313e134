/**
 * Timing and memory sampling. Baseline and measured runs are interleaved (and their order alternates
 * each round), so a burst of load from other work on the machine hits both sides alike and the ratio
 * stays meaningful even when the absolute figures move.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export interface TPairOptions {
  warmup: number;
  iterations: number;
  baseline: () => Promise<unknown>;
  measured: () => Promise<unknown>;
  /** Divides each sample (e.g. by the operations per iteration); default 1. */
  per?: number;
  /** Sample unit: milliseconds (default) or microseconds. */
  unit?: 'ms' | 'µs';
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Runs both sides `warmup` times unmeasured, then `iterations` times each, interleaved. */
export async function measurePair(
  options: TPairOptions,
): Promise<{ baseline: number[]; measured: number[] }> {
  const scale = (options.unit === 'µs' ? 1_000 : 1) / (options.per ?? 1);
  for (let i = 0; i < options.warmup; i += 1) {
    await options.baseline();
    await options.measured();
  }
  const baseline: number[] = [];
  const measured: number[] = [];
  for (let i = 0; i < options.iterations; i += 1) {
    if (i % 2 === 0) {
      baseline.push((await timed(options.baseline)) * scale);
      measured.push((await timed(options.measured)) * scale);
    } else {
      measured.push((await timed(options.measured)) * scale);
      baseline.push((await timed(options.baseline)) * scale);
    }
  }
  return { baseline, measured };
}

let collect: (() => void) | undefined;

/**
 * A full garbage collection on demand. Node exposes `gc()` only with --expose-gc; the flag can be set
 * at run time, and a fresh V8 context then has the function.
 */
export function fullGc(): void {
  if (!collect) {
    if (typeof globalThis.gc === 'function') {
      const gc = globalThis.gc;
      collect = () => void gc();
    } else {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    }
  }
  collect();
}

export const MiB = 1024 * 1024;

/** The live heap after a full collection, in bytes. */
export function liveHeap(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}
