/**
 * Pure helpers of the benchmark runner: summaries of samples, ratios against a baseline, and the check
 * of a ratio against its target. No I/O, so bench/stats.test.ts can test them without a database.
 */

export interface TSummary {
  /** Number of measured samples (after warm-up). */
  n: number;
  median: number;
  /** 95th percentile, nearest-rank. */
  p95: number;
  min: number;
  max: number;
}

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new Error('no samples to summarize');
  if (samples.some((value) => !Number.isFinite(value))) throw new Error('samples must be finite numbers');
  return [...samples].sort((a, b) => a - b);
}

/** The median: the middle sample, or the mean of the two middle ones. */
export function median(samples: readonly number[]): number {
  const values = sorted(samples);
  const middle = Math.floor(values.length / 2);
  return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}

/**
 * The `p`th percentile (0 < p <= 100) by the nearest-rank method: the smallest sample that at least
 * p% of the samples are less than or equal to. With 20 samples, p95 is the 19th smallest.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const values = sorted(samples);
  const rank = Math.ceil((p / 100) * values.length);
  return values[Math.max(0, rank - 1)]!;
}

export function summarize(samples: readonly number[]): TSummary {
  const values = sorted(samples);
  return {
    n: values.length,
    median: median(values),
    p95: percentile(values, 95),
    min: values[0]!,
    max: values[values.length - 1]!,
  };
}

/**
 * measured / baseline. `floor` is the smallest value either side is taken as (a noise floor, for
 * measurements such as memory growth where values near zero mean "nothing"); 0 by default.
 */
export function ratio(measured: number, baseline: number, floor = 0): number {
  const top = Math.max(measured, floor);
  const bottom = Math.max(baseline, floor);
  if (bottom <= 0) throw new Error('the baseline must be above zero (or give a noise floor)');
  return top / bottom;
}

/** A benchmark's target: the measured median may be at most `maxRatio` times the baseline median. */
export interface TTarget {
  maxRatio: number;
  /** Why this bound: what it protects, and the headroom it leaves for noise. */
  why: string;
}

export interface TTargetCheck {
  passed: boolean;
  /** How much of the allowed ratio was used: ratio / maxRatio (above 1 fails). */
  used: number;
}

export function checkTarget(measuredRatio: number, target: TTarget): TTargetCheck {
  if (!(target.maxRatio > 0))
    throw new Error(`a target's maxRatio must be above zero, got ${target.maxRatio}`);
  if (!Number.isFinite(measuredRatio)) return { passed: false, used: Number.POSITIVE_INFINITY };
  return { passed: measuredRatio <= target.maxRatio, used: measuredRatio / target.maxRatio };
}
