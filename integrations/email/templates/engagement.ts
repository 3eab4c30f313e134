/** Emails about an engagement's work: documents, reviews, approvals, invoices and close reports. */
import { firstName, formatDay, formatMoney } from './format';
import { checkedUrl, type TEmailBlock, type TEmailContent } from './layout';
import type { TEmailTemplateOf } from './types';

function requireItems(items: string[], field: string): string[] {
  const present = items.map((item) => item.trim()).filter(Boolean);
  if (present.length === 0) throw new TypeError(`email ${field} must list at least one item`);
  return present;
}

export function documentRequest(t: TEmailTemplateOf<'document_request'>): TEmailContent {
  const items = requireItems(t.items, 'items');
  const due = t.dueDate ? formatDay(t.dueDate, t.timeZone, 'dueDate') : null;
  const body: TEmailBlock[] = [
    {
      kind: 'paragraph',
      text: `To work on ${t.engagementTitle}, ${t.firmName} needs the following ${items.length === 1 ? 'document' : 'documents'} from you:`,
    },
    { kind: 'list', items },
    {
      kind: 'paragraph',
      text: due
        ? `Please upload them in your client portal by ${due}. A photo or scan is fine as long as every page is readable.`
        : 'Please upload them in your client portal. A photo or scan is fine as long as every page is readable.',
    },
  ];
  return {
    subject: `${t.firmName} needs documents for ${t.engagementTitle}`,
    sender: t.firmName,
    preview: `${items.length} ${items.length === 1 ? 'document' : 'documents'} needed${due ? ` by ${due}` : ''}.`,
    greeting: `Hello ${firstName(t.contactName)},`,
    body,
    action: { label: 'Upload documents', url: checkedUrl(t.portalUrl, 'portalUrl') },
    footnotes: [
      'If you do not have one of these documents, tell us in the portal and we will find another way.',
    ],
    signature: t.firmName,
  };
}

function reminderLabel(reminderNumber: number): string {
  if (!Number.isInteger(reminderNumber) || reminderNumber < 1) {
    throw new TypeError('email reminderNumber must be a whole number from 1');
  }
  return reminderNumber === 1
    ? 'Reminder'
    : reminderNumber === 2
      ? 'Second reminder'
      : `Reminder ${reminderNumber}`;
}

export function documentReminder(t: TEmailTemplateOf<'document_reminder'>): TEmailContent {
  const items = requireItems(t.items, 'items');
  const due = t.dueDate ? formatDay(t.dueDate, t.timeZone, 'dueDate') : null;
  return {
    subject: `${reminderLabel(t.reminderNumber)}: ${t.firmName} is still waiting for documents`,
    sender: t.firmName,
    preview: `Still needed for ${t.engagementTitle}: ${items.length} ${items.length === 1 ? 'document' : 'documents'}.`,
    greeting: `Hello ${firstName(t.contactName)},`,
    body: [
      {
        kind: 'paragraph',
        text: `We are still waiting for ${items.length === 1 ? 'this document' : 'these documents'} for ${t.engagementTitle}:`,
      },
      { kind: 'list', items },
      {
        kind: 'paragraph',
        text: due
          ? `They are due by ${due}. Uploading them in your client portal takes a few minutes.`
          : 'Uploading them in your client portal takes a few minutes.',
      },
    ],
    action: { label: 'Upload documents', url: checkedUrl(t.portalUrl, 'portalUrl') },
    footnotes: [
      'Already sent them? Thank you: we may not have processed them yet, and you can ignore this email.',
    ],
    signature: t.firmName,
  };
}

export function reviewReady(t: TEmailTemplateOf<'review_ready'>): TEmailContent {
  return {
    subject: `Ready for review: ${t.engagementTitle}`,
    sender: t.firmName,
    preview: `${t.engagementTitle} is waiting for your review.`,
    greeting: `Hello ${firstName(t.recipientName)},`,
    body: [
      {
        kind: 'paragraph',
        text: `${t.engagementTitle} has been prepared and is waiting for your review. Approve it or send it back with notes.`,
      },
    ],
    action: { label: 'Open the review', url: checkedUrl(t.reviewUrl, 'reviewUrl') },
    signature: t.firmName,
  };
}

export function approvalRequest(t: TEmailTemplateOf<'approval_request'>): TEmailContent {
  return {
    subject: `Please review and approve: ${t.engagementTitle}`,
    sender: t.firmName,
    preview: `${t.firmName} needs your approval to continue.`,
    greeting: `Hello ${firstName(t.contactName)},`,
    body: [
      { kind: 'paragraph', text: `${t.engagementTitle} is ready for your approval.` },
      { kind: 'paragraph', text: t.summary },
      {
        kind: 'paragraph',
        text: `Please read it in your client portal. If anything looks wrong, tell ${t.firmName} there instead of approving.`,
      },
    ],
    action: { label: 'Review and approve', url: checkedUrl(t.approveUrl, 'approveUrl') },
    signature: t.firmName,
  };
}

export function invoice(t: TEmailTemplateOf<'invoice'>): TEmailContent {
  const amount = formatMoney(t.amountCents, t.currency);
  const due = t.dueDate ? formatDay(t.dueDate, t.timeZone, 'dueDate') : null;
  return {
    subject: `Invoice ${t.invoiceNumber} from ${t.firmName}`,
    sender: t.firmName,
    preview: `${amount}${due ? `, due ${due}` : ''}.`,
    greeting: `Hello ${firstName(t.contactName)},`,
    body: [
      { kind: 'paragraph', text: `${t.firmName} has sent you an invoice.` },
      {
        kind: 'details',
        rows: [
          { label: 'Invoice', value: t.invoiceNumber },
          { label: 'Amount due', value: amount },
          ...(due ? [{ label: 'Due', value: due }] : []),
        ],
      },
      { kind: 'paragraph', text: 'You can pay securely online by card or bank transfer.' },
    ],
    action: { label: 'View and pay invoice', url: checkedUrl(t.payUrl, 'payUrl') },
    footnotes: [`Questions about this invoice? Reply to ${t.firmName} through your client portal.`],
    signature: t.firmName,
  };
}

export function closeQuestions(t: TEmailTemplateOf<'close_questions'>): TEmailContent {
  if (!Number.isInteger(t.questionCount) || t.questionCount < 1) {
    throw new TypeError('email questionCount must be a whole number from 1');
  }
  const count = t.questionCount;
  const questions = count === 1 ? 'one question' : `${count} questions`;
  const transactions = count === 1 ? 'a transaction' : `${count} transactions`;
  const reminder = t.reminderNumber === undefined ? null : reminderLabel(t.reminderNumber);
  return {
    subject: reminder
      ? `${reminder}: ${questions} about your ${t.periodLabel} books`
      : `${t.firmName} has ${questions} about your ${t.periodLabel} books`,
    sender: t.firmName,
    preview: `Tell us what ${count === 1 ? 'it was' : 'they were'} so we can close ${t.periodLabel}.`,
    greeting: `Hello ${firstName(t.contactName)},`,
    body: [
      {
        kind: 'paragraph',
        text: reminder
          ? `We are still waiting for your answer about ${transactions} in your ${t.periodLabel} bank feed. We cannot close the month until ${count === 1 ? 'it is' : 'they are'} answered.`
          : `While closing your books for ${t.periodLabel}, ${t.firmName} found ${transactions} in your bank feed that we could not categorize.`,
      },
      {
        kind: 'details',
        rows: [
          { label: 'Month', value: t.periodLabel },
          { label: 'Questions waiting', value: String(count) },
        ],
      },
      {
        kind: 'paragraph',
        text: 'For each one, choose what it was in your client portal (an expense, income, a transfer between your accounts). It takes a minute or two, and we categorize it for you.',
      },
    ],
    action: {
      label: count === 1 ? 'Answer the question' : 'Answer the questions',
      url: checkedUrl(t.questionsUrl, 'questionsUrl'),
    },
    footnotes: ['Not sure what a transaction was? Say so in the portal and we will look into it with you.'],
    signature: t.firmName,
  };
}

export function closeReport(t: TEmailTemplateOf<'close_report'>): TEmailContent {
  const highlights = t.highlights.map((item) => item.trim()).filter(Boolean);
  return {
    subject: `Your ${t.periodLabel} close report from ${t.firmName}`,
    sender: t.firmName,
    preview: `Your books for ${t.periodLabel} are closed.`,
    greeting: `Hello ${firstName(t.contactName)},`,
    body: [
      { kind: 'paragraph', text: `${t.firmName} has closed your books for ${t.periodLabel}.` },
      ...(highlights.length > 0 ? [{ kind: 'list' as const, title: 'Highlights', items: highlights }] : []),
      { kind: 'paragraph', text: 'The full report, with the reconciled balances, is in your client portal.' },
    ],
    action: { label: 'Open the report', url: checkedUrl(t.reportUrl, 'reportUrl') },
    signature: t.firmName,
  };
}

export function engagementCancelled(t: TEmailTemplateOf<'engagement_cancelled'>): TEmailContent {
  const items = t.withdrawnItems.map((item) => item.trim()).filter(Boolean);
  return {
    subject: `${t.firmName} has stopped work on ${t.engagementTitle}`,
    sender: t.firmName,
    preview: 'You do not need to send anything more for it.',
    greeting: `Hello ${firstName(t.contactName)},`,
    body: [
      {
        kind: 'paragraph',
        text: `${t.firmName} has stopped work on ${t.engagementTitle}, so you do not need to send anything more for it.`,
      },
      ...(items.length > 0 ? [{ kind: 'list' as const, title: 'No longer needed', items }] : []),
      {
        kind: 'paragraph',
        text: 'Documents you already uploaded stay in your client portal. If this is a surprise, reply to us through the portal.',
      },
    ],
    action: { label: 'Open your client portal', url: checkedUrl(t.portalUrl, 'portalUrl') },
    signature: t.firmName,
  };
}
