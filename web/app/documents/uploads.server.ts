/**
 * Browser uploads for the portal (and any page that places the upload field): the browser asks for an
 * upload URL (`POST /portal/uploads`), PUTs the file straight to blob storage, then asks the platform
 * to check it (`POST /portal/uploads/<id>/complete`). The web server never handles the file's bytes
 * except to verify them, streaming, in the second step.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import type { EntityManager } from '../../../db/types';
import type { TActor } from '../../../db/audit/actor';
import { completeDocumentUpload } from '../../../db/documents/complete-document-upload';
import { startDocumentUpload } from '../../../db/documents/start-document-upload';
import { uploadBlobKey } from '../../../integrations/storage/blob-keys';
import { formatBytes } from '../../../integrations/storage/blob-storage';
import { safeFileName } from '../../../integrations/storage/content-disposition';
import { maxUploadBytes, uploadMediaTypes } from '../../../integrations/storage/media-types';
import { AppError } from '../../../lib/errors';
import {
  documentIntakeWorkflowId,
  documentUploadedSignal,
  type TDocumentUploaded,
} from '../../../workflows/intake/document-intake.contracts';
import type { TPortalUser } from '../portal/portal-session.server';
import { blobStorage, temporal } from '../services.server';

/** How long an upload URL works. */
export const uploadUrlSeconds = 600;

const acceptedTypes = 'PDF, PNG, JPEG, TIFF, HEIC, CSV or text';

export const ZStartUpload = z
  .object({
    fileName: z
      .string({ error: 'Choose a file to upload.' })
      .trim()
      .min(1, 'The file has no name. Please choose the file again.')
      .max(255, 'Use a file name of at most 255 characters.')
      .transform((name) => safeFileName(name)),
    contentType: z.enum(uploadMediaTypes, { error: `We accept ${acceptedTypes} files.` }),
    sizeBytes: z
      .number({ error: 'The file size is missing.' })
      .int('The file size is missing.')
      .min(1, 'The file is empty. Please choose the file again.')
      .max(maxUploadBytes, `The file is too large; the most we accept is ${formatBytes(maxUploadBytes)}.`),
    requestId: z.uuid('This document request could not be found.').optional(),
    engagementId: z.uuid('This engagement could not be found.').optional(),
  })
  .refine((value) => value.requestId || value.engagementId, {
    message: 'Choose which document the file is for.',
    path: ['requestId'],
  });
export type TStartUpload = z.infer<typeof ZStartUpload>;

export const ZCompleteUpload = z.object({
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'The file checksum is malformed.')
    .optional(),
});

/** What the browser gets back to send the file. */
export interface TUploadTicket {
  uploadId: string;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
  maxBytes: number;
}

/** What the browser gets back after the check. */
export interface TUploadOutcome {
  status: 'verified' | 'duplicate' | 'rejected';
  documentId: string | null;
  /** A sentence for the person who uploaded. */
  message: string;
}

/**
 * Runs a JSON endpoint's route wrapper (portalRoute, staffRoute) and answers its refusals as JSON
 * `{ message }` with their status, as the upload field reads them: the wrappers answer errors in the
 * form pages use, which a resource route would turn into a bare "Unexpected Server Error".
 */
export async function jsonEndpoint(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (error) {
    if (!isDataWithResponseInit(error)) throw error;
    return Response.json(error.data, {
      status: error.init?.status ?? 500,
      headers: { 'Cache-Control': 'no-store' },
    });
  }
}

function isDataWithResponseInit(
  error: unknown,
): error is { type: 'DataWithResponseInit'; data: unknown; init: ResponseInit | null } {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { type?: unknown }).type === 'DataWithResponseInit'
  );
}

/** Reads a JSON body and validates it; a bad body is a 400 with the first problem. */
export async function readJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new AppError('invalid_input', 'The request could not be read. Reload the page and try again.', {
      reason: 'malformed_json',
    });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new AppError('invalid_input', parsed.error.issues[0]?.message ?? 'The request is not valid.', {
      reason: 'invalid_upload',
    });
  }
  return parsed.data;
}

/** Records the upload and returns the URL the browser sends the file to. */
export async function startPortalUpload(
  em: EntityManager,
  { portal, actor, input }: { portal: TPortalUser; actor: TActor; input: TStartUpload },
): Promise<TUploadTicket> {
  const uploadId = randomUUID();
  const blobKey = uploadBlobKey(portal.organizationId, uploadId);
  const expiresAt = new Date(Date.now() + uploadUrlSeconds * 1000);
  await startDocumentUpload(em, {
    organizationId: portal.organizationId,
    uploadId,
    blobKey,
    clientId: portal.clientId,
    requestId: input.requestId,
    engagementId: input.engagementId,
    fileName: input.fileName,
    mediaType: input.contentType,
    sizeBytes: input.sizeBytes,
    maxBytes: maxUploadBytes,
    expiresAt,
    actor,
  });
  const target = await blobStorage().createUploadUrl({
    key: blobKey,
    contentType: input.contentType,
    maxBytes: maxUploadBytes,
    expiresInSeconds: uploadUrlSeconds,
  });
  return {
    uploadId,
    url: target.url,
    method: target.method,
    headers: target.headers,
    expiresAt: target.expiresAt.toISOString(),
    maxBytes: target.maxBytes,
  };
}

/**
 * Checks the uploaded file and records it (see completeDocumentUpload), then tells the engagement's
 * document intake, which reads the document. The person gets the check's answer at once.
 */
export async function completePortalUpload(
  em: EntityManager,
  {
    portal,
    actor,
    uploadId,
    sha256,
  }: { portal: TPortalUser; actor: TActor; uploadId: string; sha256?: string },
): Promise<TUploadOutcome> {
  const result = await completeDocumentUpload(em, blobStorage(), {
    organizationId: portal.organizationId,
    uploadId,
    uploadedBy: { type: 'contact', id: portal.contactId },
    expectedSha256: sha256?.toLowerCase(),
    actor,
  });
  const { upload } = result;
  await tellIntake(upload.engagement.id, {
    uploadId: upload.id,
    blobKey: upload.blobKey,
    declaredMediaType: upload.declaredMediaType,
    sizeBytes: upload.sizeBytes ?? upload.declaredSizeBytes,
    originalFileName: upload.fileName,
    requestId: upload.request?.id ?? null,
    uploadedBy: { type: 'contact', id: portal.contactId },
    uploadedAt: upload.createdAt.toISOString(),
  });
  if (result.status === 'rejected') {
    return { status: 'rejected', documentId: null, message: result.reason };
  }
  return {
    status: result.status,
    documentId: result.document.id,
    message:
      result.status === 'duplicate'
        ? `We already have this file (${result.document.originalFileName}), so we kept the first copy.`
        : `Received ${upload.fileName}. Thank you!`,
  };
}

/** Signals the engagement's document intake, when the engagement runs one; others have nothing to tell. */
async function tellIntake(engagementId: string, upload: TDocumentUploaded): Promise<void> {
  try {
    const client = await temporal();
    await client.workflow
      .getHandle(documentIntakeWorkflowId(engagementId))
      .signal(documentUploadedSignal, upload);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    // The file is checked and kept; completing again (the same request) passes it on.
    throw new AppError(
      'unavailable',
      'We have your file but could not pass it on to your accountant just now. Please try again in a minute.',
      { reason: 'intake_unreachable', logMessage: `signalling the intake failed: ${String(error)}` },
    );
  }
}
