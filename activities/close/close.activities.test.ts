/**
 * The close's database side on real Postgres: questions follow the ledger's list of uncategorized
 * lines, answers are refused unless they use an offered category, write-back marks are idempotent,
 * statements accepted by the intake are read for their closing balance and date, and a
 * reconciliation accepted by staff stays accepted while the amounts do not change.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client as TemporalClient } from '@temporalio/client';
import { systemActor } from '../../db/audit/actor';
import { Client } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { acceptReconciliationDifference } from '../../db/close/accept-reconciliation-difference';
import { answerCloseQuestions } from '../../db/close/answer-close-questions';
import { CloseQuestion } from '../../db/close/close-question.entity';
import { markCloseQuestionWrittenBack } from '../../db/close/mark-close-question-written-back';
import { recordCloseQuestions, type TUncategorizedTransaction } from '../../db/close/record-close-questions';
import { recordReconciliation } from '../../db/close/record-reconciliation';
import { Document } from '../../db/documents/document.entity';
import { DocumentRequest } from '../../db/documents/document-request.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { createOrm, type Orm } from '../../db/orm';
import type { IOrganization } from '../../db/organizations/organization.entity';
import { createFirm, createStaffMember } from '../../db/seed/factories';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import type { IUser } from '../../db/users/user.entity';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { createCloseActivities, statementItemKey } from './close.activities';

let databaseUrl: string;
let orm: Orm;
let firm: IOrganization;
let bookkeeper: IUser;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  orm = await createOrm({ databaseUrl, poolMax: 4 });
  firm = await createFirm(forSystem(orm, 'test setup'), { name: 'Close Rows Firm' });
  bookkeeper = await createStaffMember(forSystem(orm, 'test setup'), firm, { role: 'manager' });
});

afterAll(async () => {
  await orm?.close(true);
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

async function newClose() {
  const em = forTenant(orm, firm.id);
  const client = em.create(Client, {
    organization: firm.id,
    kind: 'business',
    status: 'active',
    displayName: 'Pier Cafe',
  });
  const contact = em.create(Contact, {
    organization: firm.id,
    client,
    name: 'Dana Cruz',
    email: `dana-${randomUUID().slice(0, 8)}@example.test`,
  });
  const engagement = em.create(Engagement, {
    organization: firm.id,
    client,
    type: 'monthly_close',
    title: 'Monthly close March 2027: Pier Cafe',
    workflowId: `close:${client.id}:2027-03`,
    stage: 'collecting',
    period: '2027-03',
  });
  await em.flush();
  return {
    em: forTenant(orm, firm.id),
    clientId: client.id,
    contactId: contact.id,
    engagementId: engagement.id,
  };
}

const options = [
  { accountId: '11', name: 'Advertising' },
  { accountId: '14', name: 'Office Supplies' },
];
const line = (
  txnId: string,
  overrides: Partial<TUncategorizedTransaction> = {},
): TUncategorizedTransaction => ({
  txnEntity: 'Purchase',
  txnId,
  lineId: '1',
  txnDate: '2027-03-06',
  amountMinor: 4210,
  direction: 'expense',
  description: 'Card transaction',
  payee: 'AMZN Mktp US',
  currentAccountId: '19',
  options,
  ...overrides,
});

describe('close questions', () => {
  it('asks each uncategorized line once and closes the ones categorized in QuickBooks meanwhile', async () => {
    const close = await newClose();
    const input = { organizationId: firm.id, engagementId: close.engagementId, actor: systemActor };
    const first = await recordCloseQuestions(close.em, {
      ...input,
      uncategorized: [line('101'), line('102')],
    });
    expect(first).toMatchObject({ created: 2, resolvedInLedger: 0, open: 2 });
    // The same pull again changes nothing; an edited amount is shown to the client as it is now.
    const again = await recordCloseQuestions(close.em.fork(), {
      ...input,
      uncategorized: [line('101', { amountMinor: 5000 }), line('102')],
    });
    expect(again).toMatchObject({ created: 0, resolvedInLedger: 0, open: 2 });
    // 102 was categorized in QuickBooks; 103 is new.
    const later = await recordCloseQuestions(close.em.fork(), {
      ...input,
      uncategorized: [line('101'), line('103')],
    });
    expect(later).toMatchObject({ created: 1, resolvedInLedger: 1, open: 2 });
    const rows = await forTenant(orm, firm.id).find(
      CloseQuestion,
      { engagement: close.engagementId },
      { orderBy: { txnId: 'asc' } },
    );
    expect(rows.map((q) => [q.txnId, q.status])).toEqual([
      ['101', 'open'],
      ['102', 'resolved_in_ledger'],
      ['103', 'open'],
    ]);
  });

  it('refuses a whole answer set with a category that was not offered, and ignores answers to settled questions', async () => {
    const close = await newClose();
    await recordCloseQuestions(close.em, {
      organizationId: firm.id,
      engagementId: close.engagementId,
      uncategorized: [line('201'), line('202')],
      actor: systemActor,
    });
    const [q1, q2] = await forTenant(orm, firm.id).find(
      CloseQuestion,
      { engagement: close.engagementId },
      { orderBy: { txnId: 'asc' } },
    );
    const answer = (answers: { questionId: string; accountId: string | null; note: string }[]) =>
      answerCloseQuestions(forTenant(orm, firm.id), {
        organizationId: firm.id,
        engagementId: close.engagementId,
        contactId: close.contactId,
        answers,
        answeredAt: new Date(),
        actor: { type: 'contact', id: close.contactId },
      });
    await expect(
      answer([
        { questionId: q1!.id, accountId: '14', note: '' },
        { questionId: q2!.id, accountId: '999', note: '' },
      ]),
    ).rejects.toThrow('Choose one of the categories offered for each transaction.');
    expect(
      (await forTenant(orm, firm.id).find(CloseQuestion, { engagement: close.engagementId })).map(
        (q) => q.status,
      ),
    ).toEqual(['open', 'open']);
    const outcomes = await answer([
      { questionId: q1!.id, accountId: '14', note: ' printer paper ' },
      { questionId: q2!.id, accountId: null, note: 'No idea' },
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['answered', 'needs_staff']);
    expect((await answer([{ questionId: q1!.id, accountId: '11', note: '' }]))[0]?.outcome).toBe('ignored');
    const answered = await forTenant(orm, firm.id).findOneOrFail(CloseQuestion, { id: q1!.id });
    expect(answered).toMatchObject({
      answerAccountId: '14',
      answerAccountName: 'Office Supplies',
      answerNote: 'printer paper',
    });

    const marked = await markCloseQuestionWrittenBack(forTenant(orm, firm.id), {
      organizationId: firm.id,
      questionId: q1!.id,
      at: new Date(),
    });
    const twice = await markCloseQuestionWrittenBack(forTenant(orm, firm.id), {
      organizationId: firm.id,
      questionId: q1!.id,
      at: new Date(),
    });
    expect(twice.writtenBackAt?.getTime()).toBe(marked.writtenBackAt?.getTime());
    await expect(
      markCloseQuestionWrittenBack(forTenant(orm, firm.id), {
        organizationId: firm.id,
        questionId: q2!.id,
        at: new Date(),
      }),
    ).rejects.toThrow('Only an answered question can be written to the ledger.');
  });
});

describe('statements and reconciliations', () => {
  it('reads the closing balance and date of the statement the intake accepted, and says why one is missing', async () => {
    const close = await newClose();
    const em = forTenant(orm, firm.id);
    const checking = em.create(DocumentRequest, {
      organization: firm.id,
      engagement: close.engagementId,
      category: 'bank-statement',
      label: 'Bank statement for Checking (March 2027)',
      key: statementItemKey(0),
    });
    em.create(DocumentRequest, {
      organization: firm.id,
      engagement: close.engagementId,
      category: 'bank-statement',
      label: 'Bank statement for Savings (March 2027)',
      key: statementItemKey(1),
    });
    em.create(Document, {
      organization: firm.id,
      client: close.clientId,
      engagement: close.engagementId,
      request: checking,
      blobKey: `org/${firm.id}/docs/${randomUUID()}`,
      sha256: 'a'.repeat(64),
      sizeBytes: 1234,
      mediaType: 'application/pdf',
      originalFileName: 'march.pdf',
      category: 'bank-statement',
      ocrStatus: 'extracted',
      reviewStatus: 'accepted',
      extractedFields: [
        { name: 'EndingBalance', value: 13395.42, confidence: 0.97, page: 2, boundingRegion: null },
        { name: 'StatementEndDate', value: '2027-03-31', confidence: 0.95, page: 1, boundingRegion: null },
      ],
    });
    await em.flush();
    const activities = createCloseActivities({ orm, temporal: {} as TemporalClient });
    const read = await activities.readStatementBalances({
      organizationId: firm.id,
      engagementId: close.engagementId,
      accounts: 2,
    });
    expect(read).toEqual([
      {
        index: 0,
        documentId: expect.any(String) as unknown,
        endingBalanceMinor: 1_339_542,
        statementDate: '2027-03-31',
      },
      { index: 1, documentId: null, missing: 'no accepted statement' },
    ]);
  });

  it('keeps a difference staff accepted while the amounts stay the same, and reopens it when they change', async () => {
    const close = await newClose();
    const reconcile = (ledgerBalanceMinor: number) =>
      recordReconciliation(forTenant(orm, firm.id), {
        organizationId: firm.id,
        engagementId: close.engagementId,
        ledgerAccountId: '35',
        accountName: 'Checking',
        statementDate: '2027-03-31',
        statementEndingBalanceMinor: 100_000,
        statementSource: 'staff',
        statementDocumentId: null,
        ledgerBalanceMinor,
        at: new Date(),
        actor: systemActor,
      });
    expect(await reconcile(101_200)).toMatchObject({ status: 'discrepancy', differenceMinor: -1_200 });
    await acceptReconciliationDifference(forTenant(orm, firm.id), {
      organizationId: firm.id,
      engagementId: close.engagementId,
      ledgerAccountId: '35',
      note: 'Bank fee recorded in April',
      byUserId: bookkeeper.id,
      actor: { type: 'user', id: bookkeeper.id },
    });
    expect(await reconcile(101_200)).toMatchObject({
      status: 'accepted',
      resolutionNote: 'Bank fee recorded in April',
    });
    expect(await reconcile(100_000)).toMatchObject({
      status: 'matched',
      differenceMinor: 0,
      resolutionNote: null,
    });
  });
});
