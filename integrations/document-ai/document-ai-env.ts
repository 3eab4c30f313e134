import { z } from 'zod';
import { createAzureDocumentAi, isLoopback } from './azure-document-ai';
import type { DocumentAi } from './document-ai';
import { createLocalDocumentAi } from './local-document-ai';

/** An unset variable and an empty one (`KEY=` in an env file) mean the same: not configured. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/**
 * The document reader's configuration, spread into each process's env schema (workers/env.ts,
 * web/app/env.server.ts) together with `requireAzureDocumentAiSettings`:
 *
 * - `DOCUMENT_AI_PROVIDER`: `local` (default: PDF text and OCR on the worker) or `azure`.
 * - `AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT`, `AZURE_DOCUMENT_INTELLIGENCE_KEY`: the Document
 *   Intelligence resource, required when the provider is `azure`.
 */
export const documentAiEnvShape = {
  DOCUMENT_AI_PROVIDER: z.enum(['local', 'azure'], 'must be local or azure').default('local'),
  AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: optional(
    z
      .url('must be the resource endpoint, e.g. https://<name>.cognitiveservices.azure.com')
      .refine((url) => url.startsWith('https://') || isLoopback(url), 'must be an https:// URL'),
  ),
  AZURE_DOCUMENT_INTELLIGENCE_KEY: optional(
    z
      .string()
      .trim()
      .min(16, 'must be a key of the Document Intelligence resource (Keys and Endpoint in the portal)'),
  ),
};

export interface TDocumentAiEnv {
  DOCUMENT_AI_PROVIDER: 'local' | 'azure';
  AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT?: string | undefined;
  AZURE_DOCUMENT_INTELLIGENCE_KEY?: string | undefined;
}

/**
 * A refinement for an env schema holding `documentAiEnvShape`: with `DOCUMENT_AI_PROVIDER=azure`,
 * each missing Azure variable is named. It runs even when other variables failed, so the process
 * reports every problem at once.
 */
export const requireAzureDocumentAiSettings = [
  (env: Partial<Record<keyof TDocumentAiEnv, unknown>>, ctx: z.RefinementCtx) => {
    if (env.DOCUMENT_AI_PROVIDER !== 'azure') return;
    for (const name of ['AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT', 'AZURE_DOCUMENT_INTELLIGENCE_KEY'] as const) {
      if (env[name] === undefined || env[name] === '') {
        ctx.addIssue({ code: 'custom', path: [name], message: 'required when DOCUMENT_AI_PROVIDER=azure' });
      }
    }
  },
  { when: () => true },
] as const;

/** The document reader the configuration asks for. Call `close()` on it when the process stops. */
export function createDocumentAi(env: TDocumentAiEnv): DocumentAi {
  if (env.DOCUMENT_AI_PROVIDER === 'local') return createLocalDocumentAi();
  if (!env.AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT || !env.AZURE_DOCUMENT_INTELLIGENCE_KEY) {
    throw new Error(
      'DOCUMENT_AI_PROVIDER=azure needs AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT and AZURE_DOCUMENT_INTELLIGENCE_KEY',
    );
  }
  return createAzureDocumentAi({
    endpoint: env.AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT,
    key: env.AZURE_DOCUMENT_INTELLIGENCE_KEY,
  });
}
