/**
 * Benchmark results: how one comparison becomes a result, the table the runner prints, and the JSON it
 * writes (pure: bench/report.test.ts tests them).
 */
import type { TBenchmarkGroup } from './args';
import { checkTarget, ratio, summarize, type TSummary, type TTarget } from './stats';

export type TUnit = 'ms' | 'µs' | 'MiB';

export interface TBenchmarkResult {
  group: TBenchmarkGroup;
  name: string;
  unit: TUnit;
  /** What the baseline and the measured side each ran, in words. */
  baselineLabel: string;
  measuredLabel: string;
  baseline: TSummary;
  measured: TSummary;
  /** measured median / baseline median (each at least `noiseFloor` when one is given). */
  ratio: number;
  noiseFloor?: number;
  target: TTarget;
  passed: boolean;
  notes: string[];
}

export interface TComparison {
  group: TBenchmarkGroup;
  name: string;
  unit: TUnit;
  baselineLabel: string;
  measuredLabel: string;
  baselineSamples: readonly number[];
  measuredSamples: readonly number[];
  target: TTarget;
  noiseFloor?: number;
  notes?: string[];
}

export function compare(comparison: TComparison): TBenchmarkResult {
  const baseline = summarize(comparison.baselineSamples);
  const measured = summarize(comparison.measuredSamples);
  const value = ratio(measured.median, baseline.median, comparison.noiseFloor ?? 0);
  return {
    group: comparison.group,
    name: comparison.name,
    unit: comparison.unit,
    baselineLabel: comparison.baselineLabel,
    measuredLabel: comparison.measuredLabel,
    baseline,
    measured,
    ratio: value,
    ...(comparison.noiseFloor !== undefined ? { noiseFloor: comparison.noiseFloor } : {}),
    target: comparison.target,
    passed: checkTarget(value, comparison.target).passed,
    notes: comparison.notes ?? [],
  };
}

/** A value with three significant digits at most, and its unit: `0.412 ms`, `12.3 ms`, `148 µs`. */
export function formatValue(value: number, unit: TUnit): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

export function formatRatio(value: number): string {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

const headers = [
  'benchmark',
  'baseline median',
  'measured median',
  'measured p95',
  'ratio',
  'target',
  'result',
] as const;

/** The results as a plain-text table, one row per benchmark, then the counts. */
export function formatTable(results: readonly TBenchmarkResult[]): string {
  const rows = results.map((result) => [
    `${result.group} · ${result.name}`,
    formatValue(result.baseline.median, result.unit),
    formatValue(result.measured.median, result.unit),
    formatValue(result.measured.p95, result.unit),
    formatRatio(result.ratio),
    `≤ ${formatRatio(result.target.maxRatio)}`,
    result.passed ? 'pass' : 'FAIL',
  ]);
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => row[column]!.length)),
  );
  // Text columns left-aligned, figures right-aligned.
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 || column === cells.length - 1
          ? cell.padEnd(widths[column]!)
          : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  const failed = results.filter((result) => !result.passed).length;
  return [
    line(headers),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `${results.length - failed} passed, ${failed} missed their target`,
  ].join('\n');
}

export interface TRunInfo {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  iterations: number;
  warmup: number;
  machine: { cpus: number; cpuModel: string; loadAverage: number[]; totalMemoryMiB: number; node: string };
  data: Record<string, number>;
  setupSeconds: Record<string, number>;
}

/** The runner's exit code: 1 when a target was missed and misses fail the run, else 0. */
export function exitCodeFor(results: readonly TBenchmarkResult[], failOnMiss: boolean): 0 | 1 {
  return failOnMiss && results.some((result) => !result.passed) ? 1 : 0;
}

/** The JSON document written for one run. */
export function resultsDocument(run: TRunInfo, results: readonly TBenchmarkResult[]) {
  return {
    ...run,
    passed: results.every((result) => result.passed),
    results,
  };
}
