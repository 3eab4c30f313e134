import { createHash } from 'node:crypto';
import {
  BlobSASPermissions,
  BlobServiceClient,
  RestError,
  SASProtocol,
  StorageSharedKeyCredential,
  type ContainerClient,
} from '@azure/storage-blob';
import { checkedBlobKey } from './blob-keys';
import { attachmentDisposition } from './content-disposition';
import {
  isUploadMediaType,
  maxUploadBytes,
  mediaTypeLabels,
  sniffBytes,
  sniffedMatchesDeclared,
  sniffMediaType,
  type TUploadMediaType,
} from './media-types';

/** A URL the browser PUTs one file to, and the headers it must send with it. */
export interface TUploadUrl {
  url: string;
  method: 'PUT';
  /**
   * `x-ms-blob-type: BlockBlob` (required by Azure) and `x-ms-blob-content-type` (the declared type,
   * stored with the blob). Azure cannot make a PUT carry a particular type or stay under a size:
   * `verifyUpload` is what enforces both, after the upload.
   */
  headers: Record<string, string>;
  expiresAt: Date;
  /** The most the platform will accept; larger files are refused when verified (and deleted). */
  maxBytes: number;
}

export type TUploadRejectionCode =
  | 'missing'
  | 'empty'
  | 'too_large'
  | 'size_mismatch'
  | 'type_mismatch'
  | 'unsupported_type'
  | 'checksum_mismatch';

export type TUploadVerification =
  | {
      ok: true;
      key: string;
      sizeBytes: number;
      /** What the content is, as sniffed (the declared type or a compatible one, see sniffedMatchesDeclared). */
      mediaType: TUploadMediaType;
      sha256: string;
      /** The version of the blob that was read: copy or process exactly this one (`ifMatch`). */
      etag: string;
    }
  | {
      ok: false;
      key: string;
      code: TUploadRejectionCode;
      /** A sentence for the person who uploaded the file. */
      reason: string;
      sizeBytes: number | null;
      sniffedType: TUploadMediaType | null;
    };

/** The document storage port (Azure Blob in production, Azurite locally). */
export interface BlobStorage {
  container: ContainerClient;
  /**
   * The origin browsers send uploads to and download from (e.g. `http://127.0.0.1:10000`): pages that
   * place the upload field must allow it in their Content-Security-Policy `connect-src`.
   */
  browserOrigin: string;
  /** Checks the container is reachable; throws otherwise. */
  ping(): Promise<void>;
  /**
   * A short-lived URL that can create or overwrite exactly one blob and do nothing else (no read, no
   * list, no delete, no other key). The browser must send the returned headers.
   */
  createUploadUrl(input: {
    key: string;
    contentType: TUploadMediaType;
    maxBytes: number;
    /** 600 (10 minutes) unless given; at most an hour. */
    expiresInSeconds?: number;
  }): Promise<TUploadUrl>;
  /** A short-lived read-only URL that downloads the blob as an attachment named `fileName`. */
  createDownloadUrl(input: {
    key: string;
    fileName: string;
    /** Served as this type instead of the stored one (e.g. the verified type). */
    contentType?: string;
    /** 300 (5 minutes) unless given; at most an hour. */
    expiresInSeconds?: number;
  }): Promise<{ url: string; expiresAt: Date }>;
  /**
   * Reads an uploaded blob once, streaming (constant memory): its size, its media type from its first
   * bytes, and its SHA-256. Refusals are returned (with a readable reason), not thrown; the blob is
   * left in place for the caller to delete. Storage failures throw.
   */
  verifyUpload(input: {
    key: string;
    declaredType: TUploadMediaType;
    maxBytes: number;
    /** The size the uploader declared; a different size is refused. */
    expectedBytes?: number;
    /** The hash the uploader computed; a different hash is refused. */
    expectedSha256?: string;
  }): Promise<TUploadVerification>;
  /**
   * Copies the blob, as it was at `etag`, to a new key (server-side), stored as `contentType`.
   * Returns false, copying nothing, when the source changed or disappeared since that version.
   */
  copyBlob(input: { from: string; to: string; etag: string; contentType: string }): Promise<boolean>;
  /** Deletes a blob (and its snapshots); false when it did not exist. */
  deleteBlob(key: string): Promise<boolean>;
}

export interface BlobStorageOptions {
  connectionString: string;
  containerName: string;
  /**
   * The blob endpoint as browsers reach it, when it differs from the one in the connection string
   * (e.g. `http://localhost:10000/devstoreaccount1` for an Azurite container named `azurite`).
   * SAS URLs handed to browsers use it; the signature does not depend on the host.
   */
  publicEndpoint?: string;
}

const defaultUploadSeconds = 600;
const defaultDownloadSeconds = 300;
const maxSasSeconds = 3600;
/** SAS start times are set this far in the past, so a storage clock a little behind still accepts them. */
const clockSkewMs = 5 * 60_000;

export function createBlobStorage({
  connectionString,
  containerName,
  publicEndpoint,
}: BlobStorageOptions): BlobStorage {
  const service = BlobServiceClient.fromConnectionString(connectionString);
  const container = service.getContainerClient(containerName);
  const protocol = new URL(service.url).protocol === 'http:' ? SASProtocol.HttpsAndHttp : SASProtocol.Https;

  const sasUrl = async (
    key: string,
    options: {
      permissions: BlobSASPermissions;
      expiresInSeconds: number;
      contentType?: string;
      contentDisposition?: string;
    },
  ): Promise<{ url: string; expiresAt: Date }> => {
    if (!(service.credential instanceof StorageSharedKeyCredential)) {
      throw new Error(
        'Blob storage: SAS URLs need the storage account key (AccountKey=… in AZURE_STORAGE_CONNECTION_STRING).',
      );
    }
    if (
      !Number.isInteger(options.expiresInSeconds) ||
      options.expiresInSeconds < 1 ||
      options.expiresInSeconds > maxSasSeconds
    ) {
      throw new RangeError(`a SAS URL lives 1 to ${maxSasSeconds} seconds, not ${options.expiresInSeconds}`);
    }
    const now = Date.now();
    const expiresAt = new Date(now + options.expiresInSeconds * 1000);
    const url = await container.getBlobClient(checkedBlobKey(key)).generateSasUrl({
      permissions: options.permissions,
      startsOn: new Date(now - clockSkewMs),
      expiresOn: expiresAt,
      protocol,
      contentType: options.contentType,
      contentDisposition: options.contentDisposition,
    });
    return { url: toPublicUrl(url, service.url, publicEndpoint), expiresAt };
  };

  return {
    container,
    browserOrigin: new URL(publicEndpoint ?? service.url).origin,

    async ping() {
      await container.getProperties();
    },

    async createUploadUrl({ key, contentType, maxBytes, expiresInSeconds = defaultUploadSeconds }) {
      // Typed callers cannot pass anything else; this guards callers that cast.
      if (!isUploadMediaType(contentType))
        throw new TypeError(`not an upload media type: ${String(contentType)}`);
      checkMaxBytes(maxBytes);
      const { url, expiresAt } = await sasUrl(key, {
        permissions: BlobSASPermissions.from({ create: true, write: true }),
        expiresInSeconds,
        // Azure applies SAS response overrides to reads only; set so a read with this SAS (there is
        // none: it cannot read) would never be served as anything else.
        contentType,
      });
      return {
        url,
        method: 'PUT',
        headers: { 'x-ms-blob-type': 'BlockBlob', 'x-ms-blob-content-type': contentType },
        expiresAt,
        maxBytes,
      };
    },

    async createDownloadUrl({ key, fileName, contentType, expiresInSeconds = defaultDownloadSeconds }) {
      return sasUrl(key, {
        permissions: BlobSASPermissions.from({ read: true }),
        expiresInSeconds,
        contentType,
        contentDisposition: attachmentDisposition(fileName),
      });
    },

    async verifyUpload({ key, declaredType, maxBytes, expectedBytes, expectedSha256 }) {
      checkMaxBytes(maxBytes);
      const blob = container.getBlobClient(checkedBlobKey(key));
      const reject = (
        code: TUploadRejectionCode,
        reason: string,
        sizeBytes: number | null = null,
        sniffedType: TUploadMediaType | null = null,
      ): TUploadVerification => ({ ok: false, key, code, reason, sizeBytes, sniffedType });

      let properties;
      try {
        properties = await blob.getProperties();
      } catch (error) {
        if (isNotFound(error))
          return reject('missing', 'We did not receive the file. Please upload it again.');
        throw error;
      }
      const size = properties.contentLength ?? 0;
      const etag = properties.etag;
      if (!etag) throw new Error('Blob storage returned no ETag for an uploaded blob');
      if (size === 0) return reject('empty', 'The file is empty. Please choose the file again.', 0);
      if (size > maxBytes) return reject('too_large', tooLarge(size, maxBytes), size);
      if (expectedBytes !== undefined && size !== expectedBytes) {
        return reject(
          'size_mismatch',
          'The file that arrived is not the size of the file you chose. Please upload it again.',
          size,
        );
      }

      const hash = createHash('sha256');
      const head = new Uint8Array(Math.min(size, sniffBytes));
      let headLength = 0;
      let read = 0;
      let download;
      try {
        download = await blob.download(0, undefined, { conditions: { ifMatch: etag } });
      } catch (error) {
        if (isNotFound(error) || isConditionFailed(error)) {
          return reject(
            'missing',
            'The file changed while we were checking it. Please upload it again.',
            size,
          );
        }
        throw error;
      }
      const body = download.readableStreamBody;
      if (!body) throw new Error('Blob storage returned no body for a download');
      for await (const chunk of body as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > maxBytes) {
          (body as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
          return reject('too_large', tooLarge(read, maxBytes), read);
        }
        hash.update(chunk);
        if (headLength < head.length) {
          const take = chunk.subarray(0, head.length - headLength);
          head.set(take, headLength);
          headLength += take.length;
        }
      }
      if (read !== size) {
        return reject('missing', 'The file changed while we were checking it. Please upload it again.', read);
      }
      const sniffed = sniffMediaType(head.subarray(0, headLength), read <= sniffBytes);
      if (!sniffed) {
        return reject(
          'unsupported_type',
          `The file is not ${mediaTypeLabels[declaredType]} or any other kind of file we accept (PDF, PNG, JPEG, TIFF, HEIC, CSV or text).`,
          size,
        );
      }
      if (!sniffedMatchesDeclared(sniffed, declaredType)) {
        return reject(
          'type_mismatch',
          `The file is ${mediaTypeLabels[sniffed]}, not ${mediaTypeLabels[declaredType]}. Please choose the right file or upload it as what it is.`,
          size,
          sniffed,
        );
      }
      const sha256 = hash.digest('hex');
      if (expectedSha256 !== undefined && expectedSha256.toLowerCase() !== sha256) {
        return reject(
          'checksum_mismatch',
          'The file was damaged on its way to us. Please upload it again.',
          size,
          sniffed,
        );
      }
      return { ok: true, key, sizeBytes: size, mediaType: sniffed, sha256, etag };
    },

    async copyBlob({ from, to, etag, contentType }) {
      const source = container.getBlobClient(checkedBlobKey(from));
      const target = container.getBlobClient(checkedBlobKey(to));
      try {
        const poller = await target.beginCopyFromURL(source.url, { sourceConditions: { ifMatch: etag } });
        await poller.pollUntilDone();
      } catch (error) {
        if (isNotFound(error) || isConditionFailed(error)) return false;
        throw error;
      }
      await target.setHTTPHeaders({ blobContentType: contentType });
      return true;
    },

    async deleteBlob(key) {
      const result = await container
        .getBlobClient(checkedBlobKey(key))
        .deleteIfExists({ deleteSnapshots: 'include' });
      return result.succeeded;
    },
  };
}

function checkMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > maxUploadBytes) {
    throw new RangeError(`maxBytes must be 1 to ${maxUploadBytes}, not ${maxBytes}`);
  }
}

/** "The file is 31.2 MB; the most we accept is 25 MB." */
function tooLarge(size: number, maxBytes: number): string {
  return `The file is ${formatBytes(size)}; the most we accept is ${formatBytes(maxBytes)}.`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 || Number.isInteger(mb) ? Math.round(mb) : mb.toFixed(1)} MB`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 412;
}

/** Swaps the service endpoint of a SAS URL for the one browsers reach. */
function toPublicUrl(url: string, serviceUrl: string, publicEndpoint: string | undefined): string {
  if (!publicEndpoint) return url;
  const internal = serviceUrl.replace(/\/+$/, '');
  if (!url.startsWith(internal)) return url;
  return `${publicEndpoint.replace(/\/+$/, '')}${url.slice(internal.length)}`;
}
