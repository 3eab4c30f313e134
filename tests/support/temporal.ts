import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import {
  dataConverterFromEnv,
  decodeHistoryPayloads,
  fetchDecodedHistory,
} from '../../lib/temporal/data-converter';
import { loadWorkflowBundle } from './workflow-bundle';

function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: is the test global setup running?');
  return address;
}

export const namespace = (): string => process.env.TEMPORAL_NAMESPACE ?? 'default';

// Workers in tests log warnings and errors only.
Runtime.install({ logger: new DefaultLogger('WARN') });

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The product's workflow bundle: the one the global setup built for the run (see workflow-bundle.ts). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= loadWorkflowBundle();
  return bundle;
}

let converter: DataConverter | undefined;

/**
 * The product's data converter with this run's payload keys (the global setup generated them):
 * give it to every `Worker.create` and `Client` a test builds itself, so they read and write the
 * same encrypted payloads as the web app and the workers (`dataConverter: dataConverter()`).
 */
export function dataConverter(): DataConverter {
  converter ??= dataConverterFromEnv(process.env, 'tests');
  return converter;
}

/** A client that encrypts and decrypts payloads as the product does. */
export async function connectClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return {
    client: new Client({ connection, namespace: namespace(), dataConverter: dataConverter() }),
    close: () => connection.close(),
  };
}

/**
 * A client WITHOUT the payload codec: it sees payloads as Temporal stores them (to check that they
 * are encrypted). Never use it to start or signal workflows.
 */
export async function connectRawClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return { client: new Client({ connection, namespace: namespace() }), close: () => connection.close() };
}

/**
 * A workflow run's history with every payload decoded, as JSON: what the replay tests' committed
 * histories hold (recorded with CPA_RECORD_HISTORIES=1), readable whatever the run's keys were.
 */
export async function decodedHistoryJSON(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<string> {
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
  return historyToJSON(await fetchDecodedHistory(client, workflowId, runId));
}

export function connectWorker(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: temporalAddress() });
}

/**
 * A workflow's history with every payload decoded by the handle's client, for tests that read
 * signal or activity payloads out of the history (they are encrypted as Temporal stores them).
 */
export async function decodedHistoryOf(handle: WorkflowHandle): Promise<History> {
  return decodeHistoryPayloads(
    await handle.fetchHistory(),
    handle.client.options.loadedDataConverter.payloadCodecs,
  );
}
