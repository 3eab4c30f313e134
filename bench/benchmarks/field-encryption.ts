/**
 * Field encryption (db/shared/encrypted-string.type.ts): what reading encrypted tax IDs adds to
 * loading clients. Measured: a firm-scoped find of `rows` clients that loads the lazy `taxId` column
 * (each value decrypted by the column type, AES-256-GCM, and revealed). Baseline: the same find and
 * rows without that column (what every list does: `taxId` is lazy), reading the plain last four.
 */
import { Client } from '../../db/clients/client.entity';
import { forTenant } from '../../db/tenancy/tenant-context';
import { benchData, type TBenchmark } from '../context';
import { measurePair } from '../measure';
import { compare } from '../report';
import { median } from '../stats';

const rowsPerLoad = 1_000;

export const fieldEncryptionBenchmark: TBenchmark = async (context) => {
  const { args, log } = context;
  const data = benchData(context);
  const { orm, large } = data;
  const rows = Math.min(rowsPerLoad, data.taxIdClients);
  if (rows < 100) throw new Error(`only ${data.taxIdClients} clients have a tax ID: too few to measure`);
  log(`field-encryption · loading ${rows.toLocaleString('en-US')} clients with and without their tax IDs`);
  const where = { organization: large.id, taxIdHash: { $ne: null } };
  const load = async (withTaxId: boolean) => {
    const em = forTenant(orm, large.id);
    const clients = withTaxId
      ? await em.find(Client, where, { orderBy: { id: 'asc' }, limit: rows, populate: ['taxId'] })
      : await em.find(Client, where, { orderBy: { id: 'asc' }, limit: rows });
    let characters = 0;
    for (const client of clients) {
      characters += withTaxId ? (client.taxId?.reveal().length ?? 0) : (client.taxIdLast4?.length ?? 0);
    }
    if (clients.length !== rows || characters !== rows * (withTaxId ? 9 : 4)) {
      throw new Error(
        `expected ${rows} clients with tax IDs, read ${clients.length} (${characters} characters)`,
      );
    }
  };
  const samples = await measurePair({
    warmup: args.warmup,
    iterations: args.iterations,
    baseline: () => load(false),
    measured: () => load(true),
  });
  return [
    compare({
      group: 'field-encryption',
      name: `load ${rows.toLocaleString('en-US')} clients with tax IDs`,
      unit: 'ms',
      baselineLabel: `${rows} clients without the encrypted column`,
      measuredLabel: `${rows} clients, tax IDs decrypted`,
      baselineSamples: samples.baseline,
      measuredSamples: samples.measured,
      target: {
        maxRatio: 4,
        why: 'each value costs one AES-GCM decipher set up per row (a fixed 0.1 ms or so here), more than hydrating the row itself: measured 2-3× on a busy machine; 4× leaves noise headroom and fails a key derivation per value (lists never pay it: the column is lazy)',
      },
      notes: [
        `per tax ID: ${(((median(samples.measured) - median(samples.baseline)) / rows) * 1000).toFixed(0)} µs (difference of the medians / rows)`,
      ],
    }),
  ];
};
