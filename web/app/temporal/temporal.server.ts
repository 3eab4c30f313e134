import { isGrpcServiceError, type Client } from '@temporalio/client';
import { AppError } from '../../../lib/errors';
import { webEnv } from '../env.server';
import { temporal } from '../services.server';

export const temporalUnavailableMessage =
  'The workflow service is not reachable right now. Nothing was changed; please try again in a minute.';

/** gRPC status codes UNAVAILABLE (14) and DEADLINE_EXCEEDED (4). */
const unavailableCodes = new Set<number>([14, 4]);

/** Whether an error (or one of its causes) means Temporal could not be reached in time. */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (isGrpcServiceError(current) && unavailableCodes.has(current.code)) return true;
    if (current instanceof Error && /failed to connect/i.test(current.message)) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

/**
 * Calls Temporal with a deadline. When the server cannot be reached, throws an AppError
 * `unavailable` (HTTP 503 with a readable message); any other error passes through unchanged.
 */
export async function callTemporal<T>(
  what: string,
  timeoutMs: number,
  call: (client: Client) => Promise<T>,
): Promise<T> {
  try {
    const client = await temporal();
    return await client.connection.withDeadline(Date.now() + timeoutMs, () => call(client));
  } catch (error) {
    if (isTemporalUnavailable(error)) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AppError('unavailable', temporalUnavailableMessage, `temporal ${what} failed: ${reason}`);
    }
    throw error;
  }
}

/** The Temporal Web UI page of one workflow run's history. */
export function temporalUiUrl(workflowId: string, runId: string | null): string {
  const env = webEnv();
  const base = `${env.TEMPORAL_UI_URL}/namespaces/${encodeURIComponent(env.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
