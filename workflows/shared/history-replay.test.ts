import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { dataConverter, workflowBundle } from '../../tests/support/temporal';

const historiesRoot = new URL('../../tests/histories/', import.meta.url);

/** Every `tests/histories/<workflow>/` folder with its committed histories. */
async function historyFolders(): Promise<{ folder: string; files: string[] }[]> {
  const entries = await readdir(historiesRoot, { withFileTypes: true });
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    folders.map(async (folder) => ({
      folder,
      files: (await readdir(new URL(`${folder}/`, historiesRoot))).filter((f) => f.endsWith('.json')).sort(),
    })),
  );
}

/**
 * Replays every committed history of every workflow (`tests/histories/<workflow>/*.json`) against the
 * current workflow bundle. A change that would break running workflows (non-determinism) fails here:
 * guard it with `patched()` (docs/versioning.md), and commit a new history when a workflow changes shape.
 */
describe('workflow history replay', () => {
  it('finds committed histories for the engagement workflows', async () => {
    const folders = await historyFolders();
    expect(folders.map((f) => f.folder)).toEqual(
      expect.arrayContaining(['client-onboarding', 'document-intake']),
    );
    for (const { folder, files } of folders)
      expect(files.length, `${folder} has no histories`).toBeGreaterThan(0);
  });

  it('replays every committed history without nondeterminism', async () => {
    const histories = [];
    for (const { folder, files } of await historyFolders()) {
      for (const file of files) {
        const json = JSON.parse(
          await readFile(new URL(`${folder}/${file}`, historiesRoot), 'utf8'),
        ) as unknown;
        histories.push({
          workflowId: `${folder}/${file.replace(/\.json$/, '')}`,
          history: historyFromJSON(json),
        });
      }
    }
    const results: { workflowId: string; error: string | undefined }[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await workflowBundle(), dataConverter: dataConverter() },
      histories,
    )) {
      results.push({ workflowId: result.workflowId, error: result.error ? String(result.error) : undefined });
    }
    expect(results).toEqual(histories.map((h) => ({ workflowId: h.workflowId, error: undefined })));
  });
});
