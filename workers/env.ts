import { z } from 'zod';
import { parseEnv } from '../lib/env';
import { checkLedgerEnv, ledgerEnvFields } from '../integrations/ledger/ledger-env';
import { paymentsEnvShape, requirePaymentsSettings } from '../integrations/payments/payments-config';
import {
  documentAiEnvShape,
  requireAzureDocumentAiSettings,
} from '../integrations/document-ai/document-ai-env';

export const ZWorkerEnv = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.string().startsWith('postgres', 'must be a postgres:// URL'),
  TEMPORAL_ADDRESS: z.string().min(3).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  REDIS_URL: z.string().startsWith('redis', 'must be a redis:// URL'),
  SMTP_URL: z.string().startsWith('smtp', 'must be an smtp:// or smtps:// URL'),
  MAIL_FROM: z.string().min(3).default('CPA Platform <no-reply@cpa-platform.local>'),
  PUBLIC_URL: z.url('must be the web app base URL, e.g. http://localhost:3000'),
  LOG_LEVEL: z
    .string()
    .default('warn')
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'])),
  /** Document AI: `local` (default) or `azure` with its endpoint and key (integrations/document-ai). */
  ...documentAiEnvShape,
  /** Ledger: `local` QuickBooks sandbox (default outside production) or `quickbooks` (integrations/ledger/ledger-env.ts). */
  ...ledgerEnvFields(process.env.NODE_ENV),
  /** Payments: `local` (default outside production) or `stripe` (integrations/payments/payments-config.ts). */
  ...paymentsEnvShape,
});
export type TWorkerEnv = z.infer<typeof ZWorkerEnv>;

export function loadWorkerEnv(source: Record<string, string | undefined> = process.env): TWorkerEnv {
  return parseEnv(
    'worker',
    ZWorkerEnv.superRefine(...requireAzureDocumentAiSettings).superRefine(
      ...requirePaymentsSettings('worker'),
    ).superRefine(checkLedgerEnv),
    source,
  );
}
