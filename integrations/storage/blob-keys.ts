/**
 * Blob keys. They are made of IDs only, never names or anything else a person typed, because keys
 * show up in logs, URLs and storage metrics: `org/<organizationId>/uploads/<uploadId>` for a browser
 * upload that is not verified yet, `org/<organizationId>/docs/<uuid>` for a verified document.
 */
import { randomUUID } from 'node:crypto';

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** `org/<uuid>/<kind>/<uuid>`: the platform writes `uploads` and `docs`; older rows may use other kinds. */
const keyPattern = new RegExp(`^org/${uuid}/[a-z][a-z-]{0,30}/${uuid}$`);

/** Where a browser uploads one file before it is verified (the only key its write URL can touch). */
export function uploadBlobKey(organizationId: string, uploadId: string): string {
  return checkedBlobKey(`org/${organizationId.toLowerCase()}/uploads/${uploadId.toLowerCase()}`);
}

/** Where a verified document lives; no upload URL ever grants write access to it. */
export function documentBlobKey(organizationId: string, documentKeyId: string = randomUUID()): string {
  return checkedBlobKey(`org/${organizationId.toLowerCase()}/docs/${documentKeyId.toLowerCase()}`);
}

export function isPlatformBlobKey(key: string): boolean {
  return keyPattern.test(key);
}

/** The firm a key belongs to, read from the key itself. */
export function organizationIdOfBlobKey(key: string): string | null {
  return isPlatformBlobKey(key) ? key.split('/')[1]! : null;
}

export function checkedBlobKey(key: string): string {
  if (!isPlatformBlobKey(key)) {
    throw new TypeError(`not a platform blob key (org/<uuid>/<kind>/<uuid>): ${JSON.stringify(key)}`);
  }
  return key;
}
