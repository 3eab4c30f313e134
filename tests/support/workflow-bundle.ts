/**
 * The workflow bundle for a test run. Bundling the workflows (webpack) takes seconds, and some
 * forty test files start workers: the global setup bundles once and writes the bundle to a file
 * in the run's data folder, and each test file reads that file (`CPA_TEST_WORKFLOW_BUNDLE`).
 * Without the variable (a script outside vitest) a test file bundles for itself.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsPath } from '../../workers/create-engagements-worker';

export const workflowBundleEnv = 'CPA_TEST_WORKFLOW_BUNDLE';

const noop = (): void => undefined;
/** Webpack's progress lines would drown the test output; errors still show. */
const quietBundlerLogger = {
  log: noop,
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: console.error,
};

/** Bundles workflows quietly: the product's, or a test's own probe workflows from `path`. */
export function bundleWorkflows(path: string = workflowsPath): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: path, logger: quietBundlerLogger });
}

/** Bundles the product's workflows and writes the bundle to `file` (JSON: code and source map). */
export async function writeWorkflowBundle(file: string): Promise<void> {
  const bundle = await bundleWorkflows();
  await writeFile(file, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
}

/** The run's shared bundle when the global setup wrote one, else a fresh one. */
export async function loadWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const file = process.env[workflowBundleEnv];
  if (!file) return bundleWorkflows();
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<WorkflowBundleWithSourceMap>;
  if (typeof parsed.code !== 'string' || typeof parsed.sourceMap !== 'string') {
    throw new Error(`${workflowBundleEnv} (${file}) does not hold a workflow bundle`);
  }
  return { code: parsed.code, sourceMap: parsed.sourceMap };
}
