import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Contact } from '../clients/contact.entity';
import { TaxReturnApproval, type ITaxReturnApproval } from './tax-return-approval.entity';

/** The consent statement the client agrees to, stored with each signature exactly as shown. */
export function efileConsentText(input: { firmName: string; taxYear: number; returnType: string }): string {
  return (
    `I declare that I have examined my ${input.taxYear} return (Form ${input.returnType}) as summarized here and, ` +
    `to the best of my knowledge and belief, it is true, correct and complete. I authorize ${input.firmName} ` +
    `to file it electronically with the IRS, and I agree that typing my name below is my signature on this ` +
    `authorization.`
  );
}

/** Compares a typed signature with the contact's name: case, accents and extra spaces do not matter. */
export function signatureMatchesName(typedName: string, name: string): boolean {
  const normalize = (value: string) =>
    value
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()
      .toLowerCase();
  return normalize(typedName) !== '' && normalize(typedName) === normalize(name);
}

/**
 * Records the client's signed e-file authorization: the typed name, the consent statement shown,
 * the time, IP address and browser (from the actor). Only an open request of the contact's own client
 * can be signed; signing the same round again by the same contact returns the first signature.
 */
export async function signTaxReturnApproval(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    round: number;
    contactId: string;
    typedName: string;
    consentText: string;
    signedAt: Date;
    actor: TActor;
  },
): Promise<ITaxReturnApproval> {
  return em.transactional(async (tx) => {
    const contact = await tx.findOne(Contact, { id: input.contactId, organization: input.organizationId });
    if (!contact || !contact.portalAccess)
      throw new AppError('not_found', 'This approval could not be found.');
    const approval = await tx.findOne(TaxReturnApproval, {
      engagement: input.engagementId,
      round: input.round,
      client: contact.client.id,
    });
    if (!approval) throw new AppError('not_found', 'This approval could not be found.');
    if (approval.status === 'signed' && approval.signedByContact?.id === contact.id) return approval;
    if (approval.status !== 'requested') {
      throw new AppError(
        'conflict',
        'This approval request is no longer open. Reload the page to see the latest.',
        {
          reason: 'approval_not_open',
        },
      );
    }
    if (!signatureMatchesName(input.typedName, contact.name)) {
      throw new AppError('invalid_input', `Type your full name exactly as we have it: ${contact.name}.`, {
        reason: 'signature_mismatch',
      });
    }
    approval.status = 'signed';
    approval.signedByContact = contact;
    approval.typedName = input.typedName.trim();
    approval.consentText = input.consentText;
    approval.signedAt = input.signedAt;
    approval.signedIp = input.actor.ip?.slice(0, 64) ?? null;
    approval.signedUserAgent = input.actor.userAgent?.slice(0, 300) ?? null;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'tax_return.efile_authorized',
      target: { type: 'engagement', id: input.engagementId },
      details: { round: input.round, approvalId: approval.id },
    });
    return approval;
  });
}
