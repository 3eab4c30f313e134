import { createHash } from 'node:crypto';

/** QuickBooks accepts a `requestid` of at most 50 characters. */
const maxRequestIdLength = 50;
const plainKey = /^[A-Za-z0-9:._-]+$/;

/**
 * The `requestid` of a write, derived from its business key (`categorize:<transactionId>:<answerId>`)
 * so that every retry of the same change sends the same ID and QuickBooks answers it with the first
 * response instead of writing again. Short plain keys are used as they are (readable in Intuit's
 * logs); longer ones become their SHA-256 in base64url (43 characters).
 */
export function requestIdFor(businessKey: string): string {
  if (businessKey.length === 0) throw new Error('a requestid needs a business key');
  if (businessKey.length <= maxRequestIdLength && plainKey.test(businessKey)) return businessKey;
  return createHash('sha256').update(businessKey, 'utf8').digest('base64url');
}
