/**
 * Seeds one large firm for performance work (development and test databases only):
 *
 *   npm run db:seed:scale -- --clients 10000 [--engagements N] [--tasks N] [--documents N]
 *                            [--firm <slug>] [--replace]
 *
 * Defaults per client: 5 engagements, 20 tasks, 10 documents; firm slug `scale-firm`. Reads DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { EnvError, parseEnv } from '../lib/env';
import { ScaleFirmExistsError, scaleDefaultsPerClient, seedScaleFirm } from './seed/scale';
import { demoStaffPassword } from './seed/demo-logins';

const usage = `usage: npm run db:seed:scale -- --clients <n> [--engagements <n>] [--tasks <n>] [--documents <n>] [--firm <slug>] [--replace]
  defaults per client: ${scaleDefaultsPerClient.engagements} engagements, ${scaleDefaultsPerClient.tasks} tasks, ${scaleDefaultsPerClient.documents} documents; --firm scale-firm`;

const ZCount = z.coerce.number().int().min(0);
const ZArgs = z.object({
  clients: z.coerce.number().int().min(1),
  engagements: ZCount.optional(),
  tasks: ZCount.optional(),
  documents: ZCount.optional(),
  firm: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'lower-case letters, digits and dashes')
    .default('scale-firm'),
  replace: z.boolean().default(false),
});

async function main(): Promise<void> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      options: {
        clients: { type: 'string' },
        engagements: { type: 'string' },
        tasks: { type: 'string' },
        documents: { type: 'string' },
        firm: { type: 'string' },
        replace: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const args = ZArgs.safeParse(values);
  if (!args.success) {
    const problems = args.error.issues.map((issue) => `  --${issue.path.join('.')}: ${issue.message}`);
    console.error(`${problems.join('\n')}\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const env = parseEnv(
    'db:seed:scale',
    z.object({ DATABASE_URL: z.string().startsWith('postgres', 'must be a postgres:// URL') }),
  );

  const { clients, engagements, tasks, documents, firm, replace } = args.data;
  console.log(`seeding firm "${firm}" with ${clients.toLocaleString('en-US')} clients…`);
  try {
    const result = await seedScaleFirm({
      databaseUrl: env.DATABASE_URL,
      slug: firm,
      clients,
      engagements,
      tasks,
      documents,
      replace,
      log: (line) => console.log(line),
    });
    const total = Object.values(result.rows).reduce((sum, n) => sum + n, 0);
    console.log(
      `seeded "${result.slug}": ${total.toLocaleString('en-US')} rows in ${result.seconds.toFixed(1)} s ` +
        `(${Object.entries(result.rows)
          .filter(([, n]) => n > 0)
          .map(([kind, n]) => `${kind} ${n.toLocaleString('en-US')}`)
          .join(', ')})`,
    );
    console.log(`sign in as ${result.ownerEmail} with password ${demoStaffPassword}`);
  } catch (error) {
    if (error instanceof ScaleFirmExistsError) {
      console.error(error.message);
      process.exitCode = 3;
      return;
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  // A configuration problem is explained by its message; anything else needs its stack.
  if (error instanceof EnvError) console.error(error.message);
  else console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
