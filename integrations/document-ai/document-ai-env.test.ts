import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../lib/env';
import { loadWorkerEnv } from '../../workers/env';
import { parseWebEnv } from '../../web/app/env.server';
import { createDocumentAi, documentAiEnvShape, requireAzureDocumentAiSettings } from './document-ai-env';

/** The document AI part of a process's env schema, as workers/env.ts and web/app/env.server.ts use it. */
const loadDocumentAiEnv = (source: Record<string, string | undefined>) =>
  parseEnv('worker', z.object(documentAiEnvShape).superRefine(...requireAzureDocumentAiSettings), source);
const workerBase = { NODE_ENV: 'production' };
const azureKey = '0123456789abcdef0123456789abcdef';

describe('document AI configuration', () => {
  it('uses the local reader unless told otherwise', () => {
    const env = loadDocumentAiEnv(workerBase);
    expect(env.DOCUMENT_AI_PROVIDER).toBe('local');
    expect(createDocumentAi(env).provider).toBe('local');
  });

  it('fails at boot naming both Azure variables when azure is chosen without them', () => {
    expect(() =>
      loadDocumentAiEnv({
        ...workerBase,
        DOCUMENT_AI_PROVIDER: 'azure',
        AZURE_DOCUMENT_INTELLIGENCE_KEY: '',
      }),
    ).toThrow(
      [
        'worker: invalid configuration',
        '  - AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: required when DOCUMENT_AI_PROVIDER=azure',
        '  - AZURE_DOCUMENT_INTELLIGENCE_KEY: required when DOCUMENT_AI_PROVIDER=azure',
      ].join('\n'),
    );
  });

  it('names the Azure variables together with every other missing one of the worker', () => {
    expect(() => loadWorkerEnv({ NODE_ENV: 'production', DOCUMENT_AI_PROVIDER: 'azure' })).toThrow(
      /DATABASE_URL[\s\S]*AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: required[\s\S]*AZURE_DOCUMENT_INTELLIGENCE_KEY: required/,
    );
  });

  it('rejects an unknown provider, an endpoint without https and a key too short to be one, never echoing the key', () => {
    let message = '';
    try {
      loadDocumentAiEnv({
        ...workerBase,
        DOCUMENT_AI_PROVIDER: 'google',
        AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: 'http://docs.example.com',
        AZURE_DOCUMENT_INTELLIGENCE_KEY: 'short-secret',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DOCUMENT_AI_PROVIDER: must be local or azure');
    expect(message).toContain('AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: must be an https:// URL');
    expect(message).toContain(
      'AZURE_DOCUMENT_INTELLIGENCE_KEY: must be a key of the Document Intelligence resource',
    );
    expect(message).not.toContain('short-secret');
  });

  it('builds the Azure adapter from a complete configuration', () => {
    const env = loadDocumentAiEnv({
      ...workerBase,
      DOCUMENT_AI_PROVIDER: 'azure',
      AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: 'https://cpa-docs.cognitiveservices.azure.com/',
      AZURE_DOCUMENT_INTELLIGENCE_KEY: azureKey,
    });
    expect(env).toMatchObject({
      DOCUMENT_AI_PROVIDER: 'azure',
      AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: 'https://cpa-docs.cognitiveservices.azure.com/',
    });
    expect(createDocumentAi(env).provider).toBe('azure');
  });

  it('validates the same variables in the web process', () => {
    expect(() => parseWebEnv({ NODE_ENV: 'production', DOCUMENT_AI_PROVIDER: 'azure' })).toThrow(
      /web: invalid configuration[\s\S]*AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: required when DOCUMENT_AI_PROVIDER=azure[\s\S]*AZURE_DOCUMENT_INTELLIGENCE_KEY: required when DOCUMENT_AI_PROVIDER=azure/,
    );
  });
});
