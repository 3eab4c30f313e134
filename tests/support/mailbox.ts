/** Reads the local SMTP capture's HTTP API (MAILBOX_URL), for tests. */
export interface TCapturedEmail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  date: string;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
}

function mailboxUrl(): string {
  const url = process.env.MAILBOX_URL;
  if (!url) throw new Error('MAILBOX_URL is not set: is the test global setup running?');
  return url;
}

export async function listEmails(to?: string): Promise<TCapturedEmail[]> {
  const response = await fetch(`${mailboxUrl()}/api/messages`);
  if (!response.ok) throw new Error(`mailbox answered ${response.status}`);
  const messages = (await response.json()) as TCapturedEmail[];
  return to
    ? messages.filter((m) => m.to.some((address) => address.toLowerCase().includes(to.toLowerCase())))
    : messages;
}

/** Polls until `count` emails to `to` arrived (or times out). */
export async function waitForEmails(
  to: string,
  count: number,
  timeoutMs = 20_000,
): Promise<TCapturedEmail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const emails = await listEmails(to);
    if (emails.length >= count) return emails;
    if (Date.now() > deadline) throw new Error(`expected ${count} email(s) to ${to}, got ${emails.length}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The first portal link in an email's text. */
export function portalLinkIn(email: TCapturedEmail): string {
  const match = /https?:\/\/\S+\/portal\/invite\/[A-Za-z0-9_-]+/.exec(email.text ?? '');
  if (!match) throw new Error(`no portal link in email "${email.subject}"`);
  return match[0];
}
