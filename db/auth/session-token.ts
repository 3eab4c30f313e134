import { createHash, randomBytes } from 'node:crypto';

/** A new random session ID (256 bits, base64url): what the browser's cookie carries. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database stores instead of a session ID, reset token or invitation token: its SHA-256. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
