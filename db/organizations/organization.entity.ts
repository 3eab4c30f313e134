import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn } from '../shared/columns';

/** Settings a firm can change. Durations are in seconds. */
export interface TOrganizationSettings {
  timeZone: string;
  onboardingReminders: {
    /** Wait before each reminder, counted from the previous email. */
    intervalsSeconds: number[];
    /** Wait after the last reminder before a staff follow-up task is opened. */
    followUpAfterSeconds: number;
  };
  /** Extractions below this confidence (0-1) open a staff review task. */
  reviewConfidenceThreshold?: number;
  /** Whether preparers see every engagement of the firm, not only those assigned to them. */
  preparersSeeAllEngagements?: boolean;
  /** How many days an emailed portal invitation link works (default 7). */
  portalInvitationExpiryDays?: number;
}

export const defaultOrganizationSettings: TOrganizationSettings = {
  timeZone: 'America/New_York',
  onboardingReminders: {
    intervalsSeconds: [3 * 86_400, 4 * 86_400, 7 * 86_400],
    followUpAfterSeconds: 2 * 86_400,
  },
  reviewConfidenceThreshold: 0.8,
  preparersSeeAllEngagements: false,
  portalInvitationExpiryDays: 7,
};

export const Organization = defineEntity({
  name: 'Organization',
  tableName: 'organization',
  properties: {
    id: idColumn(),
    name: p.string().length(200),
    slug: p.string().length(80).unique(),
    plan: p.string().length(40).default('standard'),
    settings: p.json<TOrganizationSettings>(),
    createdAt: createdAtColumn(),
  },
});

export type IOrganization = InferEntity<typeof Organization>;
