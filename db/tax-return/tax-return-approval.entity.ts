import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, updatedAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Client } from '../clients/client.entity';
import { Contact } from '../clients/contact.entity';
import { Engagement } from '../engagements/engagement.entity';

export const taxReturnApprovalStatuses = ['requested', 'signed', 'changes_requested', 'withdrawn'] as const;
export type TTaxReturnApprovalStatus = (typeof taxReturnApprovalStatuses)[number];

/** What the client is shown and signs: the return's result, as the reviewer approved it. */
export interface TApprovalSummary {
  taxYear: number;
  returnType: string;
  federalRefundMinor: number;
  state: { code: string; refundMinor: number } | null;
  notes: string;
}

/**
 * One request to the client to approve a tax return and sign the e-file authorization (Form 8879
 * style consent), one row per approval round. When signed it records the typed name, the consent
 * statement shown, the time, the IP address and the browser: the authorization the firm keeps.
 */
export const TaxReturnApproval = defineEntity({
  name: 'TaxReturnApproval',
  tableName: 'tax_return_approval',
  uniques: [{ properties: ['engagement', 'round'] }],
  indexes: [{ properties: ['client', 'status'] }, { properties: ['signedByContact'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    engagement: () => p.manyToOne(Engagement),
    client: () => p.manyToOne(Client),
    round: p.integer(),
    status: p.enum(taxReturnApprovalStatuses).default('requested'),
    summary: p.json<TApprovalSummary>(),
    requestedAt: timestampColumn(),
    signedByContact: () => p.manyToOne(Contact).nullable(),
    typedName: p.string().length(200).nullable(),
    consentText: p.text().nullable(),
    signedAt: timestampColumn().nullable(),
    signedIp: p.string().length(64).nullable(),
    signedUserAgent: p.string().length(300).nullable(),
    changesMessage: p.text().nullable(),
    withdrawnAt: timestampColumn().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type ITaxReturnApproval = InferEntity<typeof TaxReturnApproval>;
