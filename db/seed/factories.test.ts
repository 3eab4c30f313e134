import { describe, expect, it } from 'vitest';
import { engagementTypes } from '../engagements/engagement.entity';
import {
  buildClientWithContacts,
  buildDocument,
  buildEngagement,
  buildEngagementBundle,
  buildInvoice,
  buildPayment,
  seedContext,
} from './factories';
import { createRandom } from './random';
import { activeStages, finalStage, seedStageFlows } from './stages';

const now = new Date('2026-03-02T15:00:00Z');
const organizationId = '3f0d5c8e-4b1a-4c7e-9a53-0c8f6f1d2e4a';

function bundle(seed: string) {
  const ctx = seedContext(seed, now);
  const { client, contacts } = buildClientWithContacts(ctx, {
    organizationId,
    kind: 'individual',
    status: 'active',
  });
  return buildEngagementBundle(ctx, {
    organizationId,
    client,
    contactId: contacts[0]?.id ?? null,
    type: 'tax_return',
    stage: 'review',
    preparerId: '11111111-1111-4111-8111-111111111111',
    reviewerId: '22222222-2222-4222-8222-222222222222',
    tasks: 4,
    documents: 3,
  });
}

describe('seed factories', () => {
  it('build the same rows from the same seed and moment, and different rows from another seed', () => {
    expect(bundle('one')).toEqual(bundle('one'));
    expect(bundle('one').engagements[0]?.id).not.toBe(bundle('two').engagements[0]?.id);
  });

  it('make version-4-shaped UUIDs', () => {
    const random = createRandom('uuids');
    for (let i = 0; i < 200; i += 1) {
      expect(random.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('build an engagement of every type in every stage, completed exactly in the last one', () => {
    const ctx = seedContext('stages', now);
    const { client } = buildClientWithContacts(ctx, { organizationId, kind: 'business', status: 'active' });
    for (const type of engagementTypes) {
      for (const stage of seedStageFlows[type].map((s) => s.stage)) {
        const engagement = buildEngagement(ctx, { organizationId, client, type, stage });
        expect(engagement.stage).toBe(stage);
        expect(engagement.status).toBe(stage === finalStage(type) ? 'completed' : 'active');
        expect(engagement.completedAt === null).toBe(stage !== finalStage(type));
        expect(engagement.workflowId).toMatch(/^seed:[0-9a-f-]{36}$/);
        expect(engagement.runId).toBeNull();
        expect(engagement.createdAt.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(engagement.updatedAt.getTime()).toBeLessThanOrEqual(now.getTime());
        expect(engagement.updatedAt.getTime()).toBeGreaterThanOrEqual(engagement.createdAt.getTime());
      }
      expect(activeStages(type)).not.toContain(finalStage(type));
    }
  });

  it('give tax engagements a tax year and due dates, and monthly closes a period', () => {
    const ctx = seedContext('periods', now);
    const { client } = buildClientWithContacts(ctx, { organizationId, kind: 'business', status: 'active' });
    const filed = buildEngagement(ctx, {
      organizationId,
      client,
      type: 'tax_return',
      stage: 'done',
      taxYear: 2024,
      extension: true,
    });
    expect(filed).toMatchObject({ taxYear: 2024, period: null, status: 'completed' });
    expect(filed.dueAt?.toISOString()).toBe('2025-04-15T04:00:00.000Z');
    expect(filed.extendedDueAt?.toISOString()).toBe('2025-10-15T04:00:00.000Z');
    const close = buildEngagement(ctx, {
      organizationId,
      client,
      type: 'monthly_close',
      stage: 'closed',
      period: '2025-11',
    });
    expect(close).toMatchObject({ period: '2025-11', taxYear: null });
    expect(close.title).toContain('November 2025 close');
    expect(close.dueAt?.toISOString()).toBe('2025-12-15T12:00:00.000Z');
  });

  it('refuse a completed engagement in a stage other than the last', () => {
    const ctx = seedContext('refuse', now);
    const { client } = buildClientWithContacts(ctx, { organizationId });
    expect(() =>
      buildEngagement(ctx, {
        organizationId,
        client,
        type: 'tax_return',
        stage: 'review',
        status: 'completed',
      }),
    ).toThrow(/cannot be in stage "review"/);
    expect(() =>
      buildEngagement(ctx, { organizationId, client, type: 'tax_return', stage: 'nowhere' }),
    ).toThrow(/no stage "nowhere"/);
  });

  it('keep client names out of blob keys and file names, and give extracted fields confidence and page', () => {
    const ctx = seedContext('documents', now);
    for (let i = 0; i < 50; i += 1) {
      const document = buildDocument(ctx, {
        organizationId,
        clientId: organizationId,
        category: 'w2',
        ocrStatus: 'needs_review',
      });
      expect(document.blobKey).toBe(`org/${organizationId}/doc/${document.id}`);
      expect(document.originalFileName).toMatch(/^(W2_\d{4}\.pdf|IMG_\d{4}\.(jpg|png|heic))$/);
      expect(document.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(document.extractedFields?.length).toBeGreaterThan(0);
      for (const field of document.extractedFields ?? []) {
        expect(field.confidence).toBeGreaterThan(0);
        expect(field.confidence).toBeLessThanOrEqual(1);
        expect(field.page).toBeGreaterThanOrEqual(1);
      }
      // Needs review: at least one field below a typical 0.8 threshold.
      expect(Math.min(...(document.extractedFields ?? []).map((f) => f.confidence))).toBeLessThan(0.8);
    }
  });

  it('settle a paid invoice with one payment of the same amount, in cents', () => {
    const ctx = seedContext('billing', now);
    const invoice = buildInvoice(ctx, {
      organizationId,
      clientId: organizationId,
      status: 'paid',
      amountDueMinor: 42_500,
    });
    expect(invoice).toMatchObject({ amountDueMinor: 42_500, amountPaidMinor: 42_500, currency: 'usd' });
    expect(invoice.paidAt).not.toBeNull();
    expect(buildPayment(ctx, invoice)).toMatchObject({
      amountMinor: 42_500,
      status: 'succeeded',
      invoice: invoice.id,
    });
    expect(buildInvoice(ctx, { organizationId, clientId: organizationId, status: 'void' })).toMatchObject({
      amountPaidMinor: 0,
      paidAt: null,
    });
  });

  it('leave client tax IDs empty (they are encrypted at rest; seeds do not invent them)', () => {
    const ctx = seedContext('tax ids', now);
    for (let i = 0; i < 20; i += 1) {
      expect(buildClientWithContacts(ctx, { organizationId }).client).toMatchObject({
        taxId: null,
        taxIdHash: null,
        taxIdLast4: null,
      });
    }
  });
});
