import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Custom search attributes of every engagement workflow. They carry IDs and the stage only,
 * never names, emails or tax IDs. The dev server registers them at start (see infra/local).
 */
export const organizationIdKey = defineSearchAttributeKey('CpaOrganizationId', 'KEYWORD');
export const clientIdKey = defineSearchAttributeKey('CpaClientId', 'KEYWORD');
export const engagementTypeKey = defineSearchAttributeKey('CpaEngagementType', 'KEYWORD');
export const stageKey = defineSearchAttributeKey('CpaStage', 'KEYWORD');

export const searchAttributeKeys = [organizationIdKey, clientIdKey, engagementTypeKey, stageKey] as const;
