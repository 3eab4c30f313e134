/**
 * The blob storage adapter against Azurite (from the test stack): browser-style uploads through SAS
 * URLs, what those URLs can and cannot do, verification of what arrived, downloads with the original
 * file name, and copying exactly the version that was verified.
 */
import { createHash, randomUUID } from 'node:crypto';
import { BlobClient } from '@azure/storage-blob';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { documentBlobKey, uploadBlobKey } from './blob-keys';
import { createBlobStorage, type TUploadUrl } from './blob-storage';
import { samplePdf, samplePng } from './testing/sample-files';

const storage = createBlobStorage({
  connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING!,
  containerName: process.env.BLOB_CONTAINER!,
});
const organizationId = randomUUID();
const newKey = () => uploadBlobKey(organizationId, randomUUID());
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const webOrigin = 'http://localhost:3000';

/** What the upload component does: PUT the bytes to the SAS URL with the headers it came with. */
function browserPut(upload: Pick<TUploadUrl, 'url' | 'headers'>, body: Buffer): Promise<Response> {
  return fetch(upload.url, {
    method: 'PUT',
    headers: { ...upload.headers, Origin: webOrigin },
    body: new Uint8Array(body),
  });
}

async function uploadFile(body: Buffer, contentType: 'application/pdf' | 'image/png' = 'application/pdf') {
  const key = newKey();
  const upload = await storage.createUploadUrl({ key, contentType, maxBytes: 1024 * 1024 });
  const response = await browserPut(upload, body);
  expect(response.status).toBe(201);
  return { key, upload };
}

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, 'error');
});
afterEach(() => {
  expect(consoleError, 'no unexpected console.error').not.toHaveBeenCalled();
  consoleError.mockRestore();
});

describe('upload URLs', () => {
  it('let a browser upload one file, stored with the declared type, then verified', async () => {
    const pdf = await samplePdf();
    const key = newKey();
    const upload = await storage.createUploadUrl({
      key,
      contentType: 'application/pdf',
      maxBytes: 1024 * 1024,
    });
    expect(upload.method).toBe('PUT');
    expect(upload.headers).toEqual({
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-blob-content-type': 'application/pdf',
    });
    expect(upload.maxBytes).toBe(1024 * 1024);
    const lifetime = upload.expiresAt.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(590_000);
    expect(lifetime).toBeLessThanOrEqual(600_000);
    const sas = new URL(upload.url).searchParams;
    expect(sas.get('sp')).toBe('cw');
    expect(sas.get('sr')).toBe('b');
    expect(new URL(upload.url).pathname).toBe(`/devstoreaccount1/${process.env.BLOB_CONTAINER}/${key}`);

    expect((await browserPut(upload, pdf)).status).toBe(201);
    const properties = await storage.container.getBlobClient(key).getProperties();
    expect(properties.contentType).toBe('application/pdf');

    const verified = await storage.verifyUpload({
      key,
      declaredType: 'application/pdf',
      maxBytes: 1024 * 1024,
    });
    expect(verified).toEqual({
      ok: true,
      key,
      sizeBytes: pdf.length,
      mediaType: 'application/pdf',
      sha256: sha256(pdf),
      etag: properties.etag,
    });
  });

  it('can write only their own blob: not another key, and never read, list or delete', async () => {
    const { key, upload } = await uploadFile(await samplePdf());
    const other = newKey();
    const elsewhere = { ...upload, url: upload.url.replace(key, other) };
    expect((await browserPut(elsewhere, samplePng())).status).toBe(403);
    expect(await storage.container.getBlobClient(other).exists()).toBe(false);

    expect((await fetch(upload.url)).status).toBe(403);
    expect((await fetch(upload.url, { method: 'DELETE' })).status).toBe(403);
    const listing = new URL(upload.url);
    listing.pathname = `/devstoreaccount1/${process.env.BLOB_CONTAINER}`;
    listing.searchParams.set('restype', 'container');
    listing.searchParams.set('comp', 'list');
    expect((await fetch(listing)).status).toBe(403);
    expect(await storage.container.getBlobClient(key).exists()).toBe(true);
  });

  it('stop working when they expire', async () => {
    const key = newKey();
    const upload = await storage.createUploadUrl({
      key,
      contentType: 'application/pdf',
      maxBytes: 1024,
      expiresInSeconds: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await browserPut(upload, await samplePdf())).status).toBe(403);
    expect(await storage.container.getBlobClient(key).exists()).toBe(false);
  });

  it('are allowed from the web app’s origin (CORS preflight for PUT with the blob headers)', async () => {
    const upload = await storage.createUploadUrl({ key: newKey(), contentType: 'image/png', maxBytes: 1024 });
    const preflight = await fetch(upload.url, {
      method: 'OPTIONS',
      headers: {
        Origin: webOrigin,
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'x-ms-blob-type,x-ms-blob-content-type,content-type',
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/PUT/);
    expect(preflight.headers.get('access-control-allow-origin')).toMatch(/^(\*|http:\/\/localhost:3000)$/);
  });

  it('are only made for platform keys, upload types, sizes the platform takes and short lifetimes', async () => {
    const upload = (overrides: Partial<Parameters<typeof storage.createUploadUrl>[0]>) =>
      storage.createUploadUrl({
        key: newKey(),
        contentType: 'application/pdf',
        maxBytes: 1024,
        ...overrides,
      });
    await expect(upload({ key: 'clients/Ava Martinez/w2.pdf' })).rejects.toThrow(/not a platform blob key/);
    await expect(upload({ key: `org/${organizationId}/docs/../uploads/${randomUUID()}` })).rejects.toThrow(
      /not a platform blob key/,
    );
    await expect(upload({ contentType: 'text/html' as 'text/plain' })).rejects.toThrow(
      /not an upload media type/,
    );
    await expect(upload({ maxBytes: 26 * 1024 * 1024 })).rejects.toThrow(/maxBytes/);
    await expect(upload({ expiresInSeconds: 7200 })).rejects.toThrow(/1 to 3600 seconds/);
  });
});

describe('verifying an upload', () => {
  it('refuses a file whose content is not the declared type (a PNG declared as a PDF)', async () => {
    const { key } = await uploadFile(samplePng());
    expect(
      await storage.verifyUpload({ key, declaredType: 'application/pdf', maxBytes: 1024 * 1024 }),
    ).toEqual({
      ok: false,
      key,
      code: 'type_mismatch',
      reason: 'The file is a PNG image, not a PDF. Please choose the right file or upload it as what it is.',
      sizeBytes: samplePng().length,
      sniffedType: 'image/png',
    });
  });

  it('refuses a file over the size limit without reading it', async () => {
    const big = Buffer.alloc(300 * 1024, 0x20);
    big.write('%PDF-1.7\n', 0, 'ascii');
    const { key } = await uploadFile(big);
    const download = vi.spyOn(BlobClient.prototype, 'download');
    try {
      const result = await storage.verifyUpload({
        key,
        declaredType: 'application/pdf',
        maxBytes: 200 * 1024,
      });
      expect(result).toMatchObject({ ok: false, code: 'too_large', sizeBytes: big.length });
      expect(!result.ok && result.reason).toBe('The file is 300 KB; the most we accept is 200 KB.');
      expect(download).not.toHaveBeenCalled();
    } finally {
      download.mockRestore();
    }
  });

  it('refuses a missing, an empty and an unrecognisable file, each with its reason', async () => {
    const missing = newKey();
    expect(
      await storage.verifyUpload({ key: missing, declaredType: 'application/pdf', maxBytes: 1024 }),
    ).toMatchObject({
      ok: false,
      code: 'missing',
      reason: 'We did not receive the file. Please upload it again.',
    });
    const empty = await uploadFile(Buffer.alloc(0));
    expect(
      await storage.verifyUpload({ key: empty.key, declaredType: 'application/pdf', maxBytes: 1024 }),
    ).toMatchObject({ ok: false, code: 'empty' });
    const zip = await uploadFile(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]));
    expect(
      await storage.verifyUpload({ key: zip.key, declaredType: 'application/pdf', maxBytes: 1024 }),
    ).toMatchObject({ ok: false, code: 'unsupported_type' });
  });

  it('refuses a file whose size or hash is not what the browser declared', async () => {
    const pdf = await samplePdf();
    const { key } = await uploadFile(pdf);
    const verify = (extra: { expectedBytes?: number; expectedSha256?: string }) =>
      storage.verifyUpload({ key, declaredType: 'application/pdf', maxBytes: 1024 * 1024, ...extra });
    expect(await verify({ expectedBytes: pdf.length + 1 })).toMatchObject({
      ok: false,
      code: 'size_mismatch',
    });
    expect(await verify({ expectedSha256: sha256(Buffer.from('other')) })).toMatchObject({
      ok: false,
      code: 'checksum_mismatch',
    });
    expect(
      await verify({ expectedBytes: pdf.length, expectedSha256: sha256(pdf).toUpperCase() }),
    ).toMatchObject({
      ok: true,
    });
  });

  it('hashes a large file in one streaming pass', async () => {
    const large = Buffer.concat([await samplePdf(), Buffer.alloc(900_000, 0x0a)]);
    const { key } = await uploadFile(large);
    const result = await storage.verifyUpload({
      key,
      declaredType: 'application/pdf',
      maxBytes: 1024 * 1024,
    });
    expect(result).toMatchObject({ ok: true, sizeBytes: large.length, sha256: sha256(large) });
  });
});

describe('copying a verified upload', () => {
  it('copies exactly the version that was verified, stored as the verified type', async () => {
    const pdf = await samplePdf();
    const { key } = await uploadFile(pdf);
    const verified = await storage.verifyUpload({
      key,
      declaredType: 'application/pdf',
      maxBytes: 1024 * 1024,
    });
    if (!verified.ok) throw new Error(verified.reason);
    const target = documentBlobKey(organizationId);
    expect(
      await storage.copyBlob({ from: key, to: target, etag: verified.etag, contentType: 'application/pdf' }),
    ).toBe(true);
    const copy = storage.container.getBlobClient(target);
    expect(await copy.downloadToBuffer()).toEqual(pdf);
    expect((await copy.getProperties()).contentType).toBe('application/pdf');
  });

  it('copies nothing when the file was replaced after it was verified', async () => {
    const { key, upload } = await uploadFile(await samplePdf());
    const verified = await storage.verifyUpload({
      key,
      declaredType: 'application/pdf',
      maxBytes: 1024 * 1024,
    });
    if (!verified.ok) throw new Error(verified.reason);
    // The upload URL still works: someone swaps the file for another one.
    expect(
      (await browserPut(upload, Buffer.concat([await samplePdf('Something else'), Buffer.from('!')]))).status,
    ).toBe(201);
    const target = documentBlobKey(organizationId);
    expect(
      await storage.copyBlob({ from: key, to: target, etag: verified.etag, contentType: 'application/pdf' }),
    ).toBe(false);
    expect(await storage.container.getBlobClient(target).exists()).toBe(false);
  });

  it('deletes blobs, saying whether there was one', async () => {
    const { key } = await uploadFile(await samplePdf());
    expect(await storage.deleteBlob(key)).toBe(true);
    expect(await storage.deleteBlob(key)).toBe(false);
  });
});

describe('download URLs', () => {
  it('download the file as an attachment with its original name, and do nothing else', async () => {
    const pdf = await samplePdf();
    const { key } = await uploadFile(pdf);
    const fileName = 'Résumé "final" (2026)\n.pdf';
    const download = await storage.createDownloadUrl({ key, fileName });
    expect(new URL(download.url).searchParams.get('sp')).toBe('r');
    const response = await fetch(download.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="R_sum_ _final_ (2026).pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%20%282026%29.pdf`,
    );
    expect(Buffer.from(await response.arrayBuffer())).toEqual(pdf);
    expect(
      (await fetch(download.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' }))
        .status,
    ).toBe(403);
    expect((await fetch(download.url, { method: 'DELETE' })).status).toBe(403);
  });

  it('serve the type they are asked to, whatever the blob was stored as', async () => {
    const { key } = await uploadFile(samplePng(), 'image/png');
    const download = await storage.createDownloadUrl({ key, fileName: 'scan.png', contentType: 'image/png' });
    expect((await fetch(download.url)).headers.get('content-type')).toBe('image/png');
  });

  it('point at the public endpoint when browsers reach storage by another name', async () => {
    const internal = createBlobStorage({
      connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING!,
      containerName: process.env.BLOB_CONTAINER!,
      publicEndpoint: 'https://files.example.com/devstoreaccount1/',
    });
    const key = newKey();
    expect(internal.browserOrigin).toBe('https://files.example.com');
    const endpoint = /BlobEndpoint=([^;]+)/.exec(process.env.AZURE_STORAGE_CONNECTION_STRING!)![1]!;
    expect(storage.browserOrigin).toBe(new URL(endpoint).origin);
    const { url } = await internal.createDownloadUrl({ key, fileName: 'a.pdf' });
    expect(
      url.startsWith(`https://files.example.com/devstoreaccount1/${process.env.BLOB_CONTAINER}/${key}?`),
    ).toBe(true);
  });
});
