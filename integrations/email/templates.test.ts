import { describe, expect, it } from 'vitest';
import { emailTemplateNames, isEmailTemplateName, renderEmail, type TEmailTemplate } from './templates';
import { escapeHtml } from './templates/layout';
import { emailTemplateSamples } from './templates/samples';

const now = new Date('2026-11-26T15:00:00Z');
const hostile = '<script>alert("x")</script> & Co';
const samples = emailTemplateSamples({
  firmName: 'Harborview CPA',
  baseUrl: 'https://app.example.com/',
  timeZone: 'America/New_York',
  now,
});

/** Every string field of a template replaced by the hostile value (URLs, codes and the time zone kept). */
function withHostileText(template: TEmailTemplate): TEmailTemplate {
  const keep = new Set(['template', 'timeZone', 'currency', 'code']);
  const copy: Record<string, unknown> = { ...template };
  for (const [key, value] of Object.entries(copy)) {
    if (keep.has(key) || key.endsWith('Url')) continue;
    if (typeof value === 'string') copy[key] = hostile;
    if (Array.isArray(value)) copy[key] = value.map(() => hostile);
  }
  return copy as TEmailTemplate;
}

/** Text with its line wrapping undone, for phrases that may be wrapped. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

/** The HTML without tags and entities, as a person (or screen reader) gets it. */
function readableHtml(html: string): string {
  return html
    .replace(/<div style="display:none[^>]*>.*?<\/div>/, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('email templates', () => {
  it('has a sample for every template, and only real template names are recognised', () => {
    expect(Object.keys(samples).sort()).toEqual([...emailTemplateNames].sort());
    expect(emailTemplateNames).toHaveLength(15);
    expect(isEmailTemplateName('invoice')).toBe(true);
    expect(isEmailTemplateName('toString')).toBe(false);
  });

  it.each(emailTemplateNames)(
    'renders %s as a subject, a text body and a single-column HTML body',
    (name) => {
      const email = renderEmail(samples[name]);
      expect(email.subject.length).toBeGreaterThan(10);
      expect(email.subject).not.toMatch(/[\r\n]/);
      expect(email.text).toContain(name === 'password_reset' ? 'CPA Platform' : 'Harborview CPA');
      expect(email.html).toMatch(/^<!doctype html><html lang="en">/);
      expect(email.html).toContain(`<title>${escapeHtml(email.subject)}</title>`);
      expect(email.html).toContain('max-width:560px');
      // No external resources: no images, stylesheets, scripts or web fonts.
      expect(email.html).not.toMatch(/<img|<link|<script|@import|url\(/i);
      // Every link in the HTML is also written out in the text.
      for (const [, href] of email.html.matchAll(/href="([^"]+)"/g)) {
        expect(email.text).toContain(href!.replace(/&amp;/g, '&'));
      }
    },
  );

  it.each(emailTemplateNames)('escapes every interpolated value of %s in the HTML', (name) => {
    const email = renderEmail(withHostileText(samples[name]));
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('"x")');
    if (name !== 'password_reset') {
      expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    }
    // The text version carries the values as they are (it is not HTML).
    if (name !== 'password_reset') expect(flat(email.text)).toContain(hostile);
  });

  it('puts the call to action in a button and spells the link out for clients that hide buttons', () => {
    const email = renderEmail(samples.document_request);
    const links = [...email.html.matchAll(/<a href="([^"]+)"[^>]*>([^<]+)<\/a>/g)];
    expect(links.map(([, href, label]) => [href, label])).toEqual([
      ['https://app.example.com/portal', 'Upload documents'],
      ['https://app.example.com/portal', 'https://app.example.com/portal'],
    ]);
    expect(email.text).toContain('Upload documents: https://app.example.com/portal');
  });

  it('lists requested documents and shows dates in the firm’s time zone', () => {
    const email = renderEmail(samples.document_request);
    expect(email.subject).toBe('Harborview CPA needs documents for 2026 individual tax return');
    expect(email.text).toContain('  - W-2 from each employer\n  - 1099-INT from your bank');
    expect(flat(email.text)).toContain('by Thursday, December 17, 2026');
    expect(readableHtml(email.html)).toContain('Hello Ava,');

    // 03:30 UTC on the 18th is still the 17th in New York, and already the 18th in Tokyo.
    const lateEvening = { ...samples.document_request, dueDate: new Date('2026-12-18T03:30:00Z') };
    expect(flat(renderEmail(lateEvening).text)).toContain('December 17, 2026');
    expect(flat(renderEmail({ ...lateEvening, timeZone: 'Asia/Tokyo' }).text)).toContain('December 18, 2026');
    expect(flat(renderEmail({ ...lateEvening, timeZone: undefined }).text)).toContain('December 18, 2026');
  });

  it('shows expiry times with their zone', () => {
    const invitation = renderEmail({
      ...samples.staff_invitation,
      expiresAt: new Date('2026-12-03T20:00:00Z'),
    });
    expect(flat(invitation.text)).toContain('until December 3, 2026 at 3:00 PM EST');
    expect(invitation.subject).toBe('Olivia Owner invited you to join Harborview CPA');
  });

  it('formats invoice amounts in the invoice currency', () => {
    expect(renderEmail(samples.invoice).text).toContain('Amount due: $650.00');
    const euros = renderEmail({ ...samples.invoice, amountCents: 123_456, currency: 'eur' });
    expect(euros.text).toContain('Amount due: €1,234.56');
    const yen = renderEmail({ ...samples.invoice, amountCents: 5000, currency: 'JPY' });
    expect(yen.text).toContain('Amount due: ¥5,000');
    expect(() => renderEmail({ ...samples.invoice, amountCents: 10.5 })).toThrow(/whole number/);
    expect(() => renderEmail({ ...samples.invoice, currency: 'dollars' })).toThrow(/ISO 4217/);
  });

  it('keeps sign-in codes out of the subject', () => {
    const email = renderEmail(samples.portal_sign_in_code);
    expect(email.subject).not.toContain('482913');
    expect(email.text).toContain('Your sign-in code: 482913');
  });

  it('numbers document reminders', () => {
    const reminder = (reminderNumber: number) =>
      renderEmail({ ...samples.document_reminder, reminderNumber }).subject;
    expect(reminder(1)).toBe('Reminder: Harborview CPA is still waiting for documents');
    expect(reminder(2)).toBe('Second reminder: Harborview CPA is still waiting for documents');
    expect(reminder(4)).toBe('Reminder 4: Harborview CPA is still waiting for documents');
    expect(() => reminder(0)).toThrow(/reminderNumber/);
  });

  it('refuses links that are not absolute http(s) URLs, and bad dates', () => {
    expect(() => renderEmail({ ...samples.invoice, payUrl: 'javascript:alert(1)' })).toThrow(/payUrl/);
    expect(() => renderEmail({ ...samples.portal_invitation, inviteUrl: '/portal' })).toThrow(/inviteUrl/);
    expect(() => renderEmail({ ...samples.password_reset, expiresAt: new Date('nope') })).toThrow(
      /expiresAt/,
    );
    expect(() => renderEmail({ ...samples.document_request, items: [' '] })).toThrow(/items/);
    expect(() => renderEmail({ ...samples.invoice, timeZone: 'Mars/Olympus' })).toThrow(/timeZone/);
  });

  it('writes a subject on one line even when a value has line breaks', () => {
    const email = renderEmail({
      ...samples.review_ready,
      engagementTitle: 'Tax\r\nBcc: someone@example.com',
    });
    expect(email.subject).toBe('Ready for review: Tax Bcc: someone@example.com');
  });

  it('wraps the text version at 76 columns, keeping line breaks and never breaking a link', () => {
    const long = 'word '.repeat(40).trim();
    const link = `https://app.example.com/portal/${'x'.repeat(90)}`;
    for (const name of emailTemplateNames) {
      const { text } = renderEmail({
        ...samples[name],
        ...(name === 'approval_request' ? { summary: `${long}\nSecond line` } : {}),
      });
      for (const line of text.split('\n')) {
        if (!/https?:\/\//.test(line)) expect(line.length, `${name}: ${line}`).toBeLessThanOrEqual(76);
      }
    }
    const approval = renderEmail({
      ...samples.approval_request,
      summary: `${long}\nSecond line`,
      approveUrl: link,
    });
    expect(approval.text).toContain('\nSecond line\n');
    expect(approval.text).toContain(`Review and approve:\n${link}\n`);
    expect(approval.html).toContain(`href="${link}"`);
  });

  it('asks the client about close questions with the count, the month and a link to the questions page', () => {
    const url = 'https://app.example.com/portal/close/7b0c63f3-2f4e-4c53-9d3c-1b5d5a0e8f10/questions';
    const first = renderEmail({ ...samples.close_questions, questionCount: 3, questionsUrl: url });
    expect(first.subject).toBe('Harborview CPA has 3 questions about your October 2026 books');
    expect(flat(first.text)).toContain('found 3 transactions in your bank feed');
    expect(first.text).toContain(`Answer the questions:\n${url}\n`);
    expect(first.html).toContain(`href="${url}"`);
    expect(readableHtml(first.html)).toContain('Questions waiting 3');
    expect(readableHtml(first.html)).toContain('Month October 2026');

    const one = renderEmail({ ...samples.close_questions, questionCount: 1, reminderNumber: 2 });
    expect(one.subject).toBe('Second reminder: one question about your October 2026 books');
    expect(flat(one.text)).toContain('your answer about a transaction in your October 2026 bank feed');
    expect(one.text).toContain('Answer the question:\n');

    expect(() => renderEmail({ ...samples.close_questions, questionCount: 0 })).toThrow(/questionCount/);
    expect(() => renderEmail({ ...samples.close_questions, questionsUrl: '/portal' })).toThrow(
      /questionsUrl/,
    );
  });

  it('keeps the onboarding emails’ subjects', () => {
    expect(renderEmail(samples.onboarding_invitation).subject).toBe(
      'Harborview CPA invites you to your client portal',
    );
    expect(renderEmail(samples.onboarding_reminder).subject).toBe(
      'Reminder: Harborview CPA is waiting for your details',
    );
    expect(renderEmail(samples.onboarding_invitation).text).toContain(
      'Open my client portal:\nhttps://app.example.com/portal/invite/sample-portal-token\n',
    );
  });
});
