import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { dataConverter, workflowBundle } from '../../tests/support/temporal';

const historiesDir = new URL('../../tests/histories/client-onboarding/', import.meta.url);

/**
 * Replays every committed history of the onboarding workflow against the current code.
 * A change that would break running workflows (non-determinism) fails here; guard it with patched().
 */
describe('client onboarding workflow replay', () => {
  it('replays every committed history without nondeterminism', async () => {
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(0);
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: file.replace(/\.json$/, ''),
        history: historyFromJSON(JSON.parse(await readFile(new URL(file, historiesDir), 'utf8')) as unknown),
      })),
    );
    const results = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await workflowBundle(), dataConverter: dataConverter() },
      histories,
    )) {
      results.push({ workflowId: result.workflowId, error: result.error ? String(result.error) : undefined });
    }
    expect(results).toEqual(files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), error: undefined })));
  });
});
