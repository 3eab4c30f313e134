/**
 * `npm run histories:export -- <workflowId> [--run <runId>] [--out <file>]`: writes a workflow run's
 * history as JSON with every payload DECODED (the payload codec of lib/temporal), the form the replay
 * tests read from tests/histories/. Committed histories must stay readable whatever keys a machine
 * has, so they never hold encrypted payloads: record them only from test or demo data.
 *
 * Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the payload keys (TEMPORAL_PAYLOAD_KEYS,
 * TEMPORAL_PAYLOAD_ACTIVE_KEY); with `npm run dev` running: `set -a; . .data/dev.env; set +a` first.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { z } from 'zod';
import { EnvError, parseEnv } from '../lib/env';
import { createDataConverter, fetchDecodedHistory } from '../lib/temporal/data-converter';
import { createPayloadCodec } from '../lib/temporal/payload-codec';
import { payloadKeysFromEnv } from '../lib/temporal/payload-keys';

const USAGE = `Usage: npm run histories:export -- <workflowId> [--run <runId>] [--out <file>]

Writes the workflow run's history as JSON with decoded payloads, to <file> or standard output.
  --run <runId>   a run other than the latest
  --out <file>    e.g. tests/histories/client-onboarding/<case>.json`;

const ZExportEnv = z.object({
  TEMPORAL_ADDRESS: z.string().min(3, 'must be host:port of the Temporal frontend').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
});

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      run: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [workflowId, ...extra] = positionals;
  if (!workflowId || extra.length > 0) {
    console.error(USAGE);
    return 2;
  }

  const env = parseEnv('histories:export', ZExportEnv);
  const codec = createPayloadCodec(payloadKeysFromEnv(process.env, 'histories:export'));
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS, connectTimeout: '5 seconds' });
  try {
    const client = new Client({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      dataConverter: createDataConverter(codec),
    });
    const history = await fetchDecodedHistory(client, workflowId, values.run);
    const json = `${historyToJSON(history)}\n`;
    if (values.out) {
      await mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
      await writeFile(values.out, json);
      console.error(`wrote ${history.events?.length ?? 0} events of ${workflowId} to ${values.out}`);
    } else {
      process.stdout.write(json);
    }
    return 0;
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(
      error instanceof EnvError || error instanceof Error ? error.message : `export failed: ${String(error)}`,
    );
    process.exitCode = 1;
  },
);
