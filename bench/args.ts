/**
 * The benchmark runner's command line (pure: bench/args.test.ts tests it).
 *
 *   npm run bench -- [--quick] [--clients <n>] [--iterations <n>] [--warmup <n>] [--audit-events <n>]
 *                    [--only <group,...>] [--no-fail | --report-only] [--out <dir>]
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';

export const benchmarkGroups = ['lists', 'audit-export', 'payload-codec', 'field-encryption'] as const;
export type TBenchmarkGroup = (typeof benchmarkGroups)[number];

/** Sizes and repetitions of a full run (issue 3's large firm) and of a quick one. */
export const runProfiles = {
  full: { clients: 10_000, iterations: 40, warmup: 5, auditEvents: 200_000 },
  quick: { clients: 2_000, iterations: 15, warmup: 3, auditEvents: 50_000 },
} as const;

export interface TBenchArgs {
  quick: boolean;
  /** Clients of the large firm (the scale seed adds 5 engagements, 20 tasks, 10 documents each). */
  clients: number;
  /** Measured iterations per benchmark side, after `warmup` unmeasured ones. */
  iterations: number;
  warmup: number;
  /** Audit events seeded for the large firm's log (the export's memory benchmark reads them all). */
  auditEvents: number;
  /** Groups to run; all of them when not given. */
  only: TBenchmarkGroup[];
  /** Exit non-zero when a target is missed (turned off by --no-fail or --report-only). */
  failOnMiss: boolean;
  /** Where the JSON results go, relative to the repository unless absolute. */
  outDir: string;
}

export const benchUsage = `usage: npm run bench -- [options]
  --quick               ${runProfiles.quick.clients.toLocaleString('en-US')} clients, ${runProfiles.quick.iterations} iterations, ${runProfiles.quick.auditEvents.toLocaleString('en-US')} audit events (a few minutes)
  --clients <n>         clients of the large firm (default ${runProfiles.full.clients.toLocaleString('en-US')}; at least 100)
  --iterations <n>      measured iterations per side (default ${runProfiles.full.iterations}, quick ${runProfiles.quick.iterations}; at least 5)
  --warmup <n>          unmeasured iterations first (default ${runProfiles.full.warmup}, quick ${runProfiles.quick.warmup})
  --audit-events <n>    audit events of the large firm (default ${runProfiles.full.auditEvents.toLocaleString('en-US')}, quick ${runProfiles.quick.auditEvents.toLocaleString('en-US')}; at least 10,000)
  --only <groups>       comma-separated, of: ${benchmarkGroups.join(', ')}
  --no-fail, --report-only
                        exit 0 even when a target is missed
  --out <dir>           where results are written (default .data/bench)
  -h, --help            this text`;

export type TParsedBenchArgs =
  { kind: 'run'; args: TBenchArgs } | { kind: 'help' } | { kind: 'error'; message: string };

const whole = (min: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `must be at least ${min.toLocaleString('en-US')}`),
    );

const ZRawArgs = z.object({
  quick: z.boolean().default(false),
  clients: whole(100).optional(),
  iterations: whole(5).optional(),
  warmup: whole(0).optional(),
  'audit-events': whole(10_000).optional(),
  only: z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(
      z.array(z.enum(benchmarkGroups, { error: (issue) => `unknown group "${String(issue.input)}"` })).min(1),
    )
    .optional(),
  'no-fail': z.boolean().default(false),
  'report-only': z.boolean().default(false),
  out: z.string().trim().min(1, 'must name a directory').optional(),
});

export function parseBenchArgs(argv: readonly string[]): TParsedBenchArgs {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean' },
        clients: { type: 'string' },
        iterations: { type: 'string' },
        warmup: { type: 'string' },
        'audit-events': { type: 'string' },
        only: { type: 'string' },
        'no-fail': { type: 'boolean' },
        'report-only': { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { kind: 'help' };
  const parsed = ZRawArgs.safeParse(values);
  if (!parsed.success) {
    return {
      kind: 'error',
      message: parsed.error.issues
        .map((issue) => `--${String(issue.path[0] ?? '?')}: ${issue.message}`)
        .join('\n'),
    };
  }
  const raw = parsed.data;
  const profile = raw.quick ? runProfiles.quick : runProfiles.full;
  return {
    kind: 'run',
    args: {
      quick: raw.quick,
      clients: raw.clients ?? profile.clients,
      iterations: raw.iterations ?? profile.iterations,
      warmup: raw.warmup ?? profile.warmup,
      auditEvents: raw['audit-events'] ?? profile.auditEvents,
      only: raw.only ? [...new Set(raw.only)] : [...benchmarkGroups],
      failOnMiss: !raw['no-fail'] && !raw['report-only'],
      outDir: raw.out ?? '.data/bench',
    },
  };
}
