import type { TBenchArgs } from './args';
import type { TBenchData } from './environment';
import type { TBenchmarkResult } from './report';

export interface TBenchContext {
  /** Undefined when only benchmarks without a database run (--only payload-codec). */
  data: TBenchData | undefined;
  args: TBenchArgs;
  log: (line: string) => void;
}

/** The seeded data, for a benchmark that needs the database. */
export function benchData(context: TBenchContext): TBenchData {
  if (!context.data) throw new Error('this benchmark needs the database, which was not started');
  return context.data;
}

/** One benchmark module: runs its comparisons and returns one result per comparison. */
export type TBenchmark = (context: TBenchContext) => Promise<TBenchmarkResult[]>;
