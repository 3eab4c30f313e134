/**
 * A document intake on the real stack, for tests: a fresh database with a firm, a preparer and a
 * client with a portal contact; Azurite storage; an engagements worker and a documents worker on
 * their own task queues; and a document reader that answers from a scenario written into each test
 * file (so a test says "a blurry W-2" and gets exactly that extraction).
 */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { Contact } from '../../db/clients/contact.entity';
import { createClient } from '../../db/clients/create-client';
import { startDocumentUpload } from '../../db/documents/start-document-upload';
import { createOrm, type Orm } from '../../db/orm';
import type { IOrganization } from '../../db/organizations/organization.entity';
import { createFirm, createStaffMember } from '../../db/seed/factories';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import type { IUser } from '../../db/users/user.entity';
import {
  DocumentAiError,
  readContent,
  type DocumentAi,
  type TDocumentCategory,
  type TExtraction,
  type TExtractionField,
} from '../../integrations/document-ai/document-ai';
import { createSmtpMailer, type Mailer } from '../../integrations/email/mailer';
import { createLiveUpdatesPublisher } from '../../integrations/live-updates/live-updates';
import { createBlobStorage, type BlobStorage } from '../../integrations/storage/blob-storage';
import { uploadBlobKey } from '../../integrations/storage/blob-keys';
import { maxUploadBytes } from '../../integrations/storage/media-types';
import { createDocumentsWorker, type DocumentsWorkerDeps } from '../../workers/create-documents-worker';
import { createEngagementsWorker, type EngagementsWorkerDeps } from '../../workers/create-engagements-worker';
import {
  documentIntakeWorkflowId,
  documentUploadedSignal,
  getStatusQuery,
  type TDocumentIntakeInput,
  type TDocumentIntakeStatus,
} from '../../workflows/intake/document-intake.contracts';
import type { documentIntakeWorkflow } from '../../workflows/intake/document-intake.workflow';
import { createTestDatabase, dropTestDatabase } from './databases';
import { connectClient, connectWorker, namespace, workflowBundle } from './temporal';

/** What the fake reader makes of a file: the scenario name is written into the file's bytes. */
export type TReadScenario = 'clear' | 'blurry' | 'missing-fields' | 'unreadable';

const field = (value: string | number, confidence: number, label: string, page = 1): TExtractionField => ({
  value,
  type: typeof value === 'number' ? 'currency' : 'string',
  confidence,
  label,
  page,
  boundingRegion: [1, 1, 3, 1, 3, 1.4, 1, 1.4],
});

function extractionFor(scenario: TReadScenario, category: TDocumentCategory): TExtraction {
  const confidence = scenario === 'blurry' ? 0.42 : 0.97;
  const fields: Record<string, TExtractionField> =
    category === 'w2'
      ? {
          EmployerName: field('Harbor Freight Lines', confidence, "Employer's name (box c)"),
          EmployerEin: field('12-3456789', confidence, 'Employer identification number (box b)'),
          ...(scenario === 'missing-fields'
            ? {}
            : {
                WagesTipsAndOtherCompensation: field(
                  58250.12,
                  confidence,
                  'Box 1: Wages, tips, other compensation',
                ),
              }),
          FederalIncomeTaxWithheld: field(6120.4, confidence, 'Box 2: Federal income tax withheld'),
        }
      : { DocumentTitle: field('Document', confidence, 'Title') };
  return {
    provider: 'local',
    modelId: `test/${category}`,
    category,
    pages: 1,
    fields,
    confidence,
    warnings: scenario === 'blurry' ? ['Page 1 is blurry; some values may be misread.'] : [],
  };
}

/** A document reader answering from the scenario in the file, counting what it read. */
export function scenarioDocumentAi(): DocumentAi & { reads: string[] } {
  const reads: string[] = [];
  return {
    provider: 'local',
    reads,
    async analyze(input) {
      const text = new TextDecoder().decode(await readContent(input.content, input.signal));
      const scenario = (/SCENARIO:([a-z-]+)/.exec(text)?.[1] ?? 'clear') as TReadScenario;
      reads.push(`${input.category}:${scenario}`);
      if (scenario === 'unreadable') throw new DocumentAiError('bad_document', 'The PDF is damaged.');
      return extractionFor(scenario, input.category);
    },
    async close() {},
  };
}

/** A small PDF-looking file carrying a scenario and a nonce (so two files differ unless asked). */
export function scenarioPdf(scenario: TReadScenario, nonce: string = randomUUID()): Uint8Array {
  return new TextEncoder().encode(`%PDF-1.4\n% SCENARIO:${scenario}\n% ${nonce}\n%%EOF\n`);
}

export interface TIntakeHarness {
  orm: Orm;
  temporal: Client;
  storage: BlobStorage;
  documentAi: ReturnType<typeof scenarioDocumentAi>;
  firm: IOrganization;
  preparer: IUser;
  newClient(options?: {
    withContact?: boolean;
  }): Promise<{ clientId: string; contactId: string; email: string }>;
  /** Runs the two workers on their own queues while `body` runs. */
  withWorkers<T>(
    body: (queues: { engagements: string; documents: string }) => Promise<T>,
    decorate?: {
      engagements?: EngagementsWorkerDeps['decorateActivities'];
      documents?: DocumentsWorkerDeps['decorateActivities'];
    },
  ): Promise<T>;
  start(
    queues: { engagements: string; documents: string },
    input: Omit<TDocumentIntakeInput, 'organizationId' | 'documentsTaskQueue'> & { organizationId?: string },
  ): Promise<WorkflowHandle<typeof documentIntakeWorkflow>>;
  /** Uploads a file to storage as the client would and signals the intake. Returns the upload ID. */
  upload(
    handle: WorkflowHandle,
    input: {
      engagementId: string;
      clientId: string;
      contactId: string;
      requestId: string | null;
      bytes: Uint8Array;
      fileName?: string;
    },
  ): Promise<string>;
  waitForStatus(
    handle: WorkflowHandle,
    predicate: (status: TDocumentIntakeStatus) => boolean,
    timeoutMs?: number,
  ): Promise<TDocumentIntakeStatus>;
  close(): Promise<void>;
}

export async function startIntakeHarness(firmName: string): Promise<TIntakeHarness> {
  const databaseUrl = await createTestDatabase();
  const orm = await createOrm({ databaseUrl, poolMax: 6 });
  const em = forSystem(orm, 'test setup');
  const firm = await createFirm(em, { name: firmName });
  const preparer = await createStaffMember(em, firm, { role: 'preparer' });
  const redis = new Redis(process.env.REDIS_URL ?? '');
  const mailer: Mailer = createSmtpMailer({
    smtpUrl: process.env.SMTP_URL ?? '',
    from: `${firmName} <firm@example.test>`,
  });
  const storage = createBlobStorage({
    connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING ?? '',
    containerName: process.env.BLOB_CONTAINER ?? '',
  });
  const documentAi = scenarioDocumentAi();
  const connection: NativeConnection = await connectWorker();
  const temporal = await connectClient();
  const bundle = await workflowBundle();

  const harness: TIntakeHarness = {
    orm,
    temporal: temporal.client,
    storage,
    documentAi,
    firm,
    preparer,

    async newClient({ withContact = true } = {}) {
      const clientId = randomUUID();
      const contactId = randomUUID();
      const email = `client-${clientId.slice(0, 8)}@example.test`;
      await createClient(forTenant(orm, firm.id), {
        organizationId: firm.id,
        clientId,
        kind: 'individual',
        displayName: `Jordan Lee ${clientId.slice(0, 4)}`,
        contact: { id: contactId, name: 'Jordan Lee', email },
        actor: { type: 'system' },
      });
      if (!withContact) {
        await forTenant(orm, firm.id).nativeUpdate(Contact, { id: contactId }, { portalAccess: false });
      }
      return { clientId, contactId, email };
    },

    async withWorkers(body, decorate = {}) {
      const queues = {
        engagements: `intake-test-${randomUUID()}`,
        documents: `documents-test-${randomUUID()}`,
      };
      const workers: Worker[] = [
        await createEngagementsWorker({
          connection,
          namespace: namespace(),
          orm,
          mailer,
          liveUpdates: createLiveUpdatesPublisher(redis),
          publicUrl: 'http://localhost:3000',
          workflowBundle: bundle,
          taskQueue: queues.engagements,
          decorateActivities: decorate.engagements,
          shutdownGraceTime: '1 second',
        }),
        await createDocumentsWorker({
          connection,
          namespace: namespace(),
          orm,
          storage,
          documentAi,
          workflowBundle: bundle,
          taskQueue: queues.documents,
          decorateActivities: decorate.documents,
          shutdownGraceTime: '1 second',
        }),
      ];
      const [first, second] = workers;
      if (!first || !second) throw new Error('unreachable');
      return first.runUntil(second.runUntil(body(queues)));
    },

    async start(queues, input) {
      return temporal.client.workflow.start<typeof documentIntakeWorkflow>('documentIntakeWorkflow', {
        taskQueue: queues.engagements,
        workflowId: documentIntakeWorkflowId(input.engagementId),
        args: [
          { ...input, organizationId: input.organizationId ?? firm.id, documentsTaskQueue: queues.documents },
        ],
      });
    },

    async upload(handle, input) {
      const uploadId = randomUUID();
      const blobKey = uploadBlobKey(firm.id, uploadId);
      const fileName = input.fileName ?? 'scan.pdf';
      await startDocumentUpload(forTenant(orm, firm.id), {
        organizationId: firm.id,
        uploadId,
        blobKey,
        clientId: input.clientId,
        ...(input.requestId ? { requestId: input.requestId } : { engagementId: input.engagementId }),
        fileName,
        mediaType: 'application/pdf',
        sizeBytes: input.bytes.byteLength,
        maxBytes: maxUploadBytes,
        expiresAt: new Date(Date.now() + 10 * 60_000),
        actor: { type: 'contact', id: input.contactId },
      });
      await storage.container.getBlockBlobClient(blobKey).uploadData(input.bytes, {
        blobHTTPHeaders: { blobContentType: 'application/pdf' },
      });
      await handle.signal(documentUploadedSignal, {
        uploadId,
        blobKey,
        declaredMediaType: 'application/pdf',
        sizeBytes: input.bytes.byteLength,
        originalFileName: fileName,
        requestId: input.requestId,
        uploadedBy: { type: 'contact', id: input.contactId },
        uploadedAt: new Date().toISOString(),
      });
      return uploadId;
    },

    async waitForStatus(handle, predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await handle.query(getStatusQuery);
        if (predicate(status)) return status;
        if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(status)}`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    },

    async close() {
      await temporal.close();
      await connection.close();
      mailer.close();
      redis.disconnect();
      await orm.close(true);
      await dropTestDatabase(databaseUrl);
    },
  };
  return harness;
}
