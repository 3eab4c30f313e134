/**
 * One layout for every email: a single column with the sender's name at the top, short paragraphs,
 * optional lists, a details table, a one-time code, and one call to action shown as a button with the
 * link written out underneath for mail clients that hide buttons. No external images, no scripts,
 * no web fonts. Every value that reaches the HTML passes through `escapeHtml`; links must be http(s).
 */

/** A rendered email: what nodemailer sends. */
export interface TRenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** What a template says, independent of HTML or text. All strings are plain text (never HTML). */
export interface TEmailContent {
  subject: string;
  /** Shown at the top of the email: the firm's name, or the platform's for staff account emails. */
  sender: string;
  /** A short summary that mail clients show next to the subject (hidden in the body). */
  preview: string;
  /** "Hello Ava," */
  greeting?: string;
  /** Blocks in order. */
  body: TEmailBlock[];
  /** The one thing the reader should do. */
  action?: { label: string; url: string };
  /** Small print under the action (expiry, "if you did not ask for this"). */
  footnotes?: string[];
  /** The closing line, e.g. the firm's name. */
  signature?: string;
}

export type TEmailBlock =
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; title?: string; items: string[] }
  | { kind: 'details'; rows: { label: string; value: string }[] }
  | { kind: 'code'; label: string; code: string };

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * The URL itself when it is an absolute http(s) URL; throws otherwise. A link in an email is a
 * programming input (built by the platform), so a `javascript:` or relative URL is a bug, not user error.
 */
export function checkedUrl(url: string, field: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`email ${field} must be an absolute http(s) URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError(`email ${field} must be an http(s) URL, got ${parsed.protocol}`);
  }
  return parsed.href;
}

/** One line of text: no line breaks (they would break the Subject header or a list item). */
export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

const colors = {
  text: '#1f2937',
  muted: '#4b5563',
  border: '#e5e7eb',
  accent: '#1d4ed8',
  panel: '#f3f4f6',
};
const font = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

export function renderContent(content: TEmailContent): TRenderedEmail {
  const subject = oneLine(content.subject);
  return { subject, text: renderText(content), html: renderHtml(content, subject) };
}

/** Plain-text lines are wrapped at this width (RFC 5322 asks for at most 78 characters). */
export const textWidth = 76;

function renderText(content: TEmailContent): string {
  const lines: string[] = [oneLine(content.sender), ''];
  const paragraph = (text: string) => lines.push(...wrapText(text), '');
  if (content.greeting) paragraph(content.greeting);
  for (const block of content.body) {
    switch (block.kind) {
      case 'paragraph':
        paragraph(block.text);
        break;
      case 'list':
        if (block.title) lines.push(...wrapText(block.title));
        for (const item of block.items) lines.push(...wrapText(oneLine(item), '  - ', '    '));
        lines.push('');
        break;
      case 'details':
        for (const row of block.rows)
          lines.push(...wrapText(`${row.label}: ${oneLine(row.value)}`, '', '  '));
        lines.push('');
        break;
      case 'code':
        lines.push(`${block.label}: ${block.code}`, '');
        break;
    }
  }
  if (content.action) {
    const { label, url } = content.action;
    // A link is never broken: it goes on a line of its own when it does not fit after its label.
    const inline = `${label}: ${url}`;
    lines.push(...(inline.length <= textWidth ? [inline] : [`${label}:`, url]), '');
  }
  for (const note of content.footnotes ?? []) paragraph(note);
  if (content.signature) lines.push(...wrapText(content.signature));
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * Wraps text at `textWidth` on spaces, keeping its own line breaks; a word longer than a line (a link)
 * stays whole on a line of its own. `first` prefixes the first line, `rest` the lines after it.
 */
export function wrapText(text: string, first = '', rest = first): string[] {
  const out: string[] = [];
  for (const source of text.split(/\r\n|\n|\r/)) {
    let line = out.length === 0 ? first : rest;
    let empty = true;
    for (const word of source.split(' ').filter(Boolean)) {
      if (!empty && line.length + 1 + word.length > textWidth) {
        out.push(line);
        line = rest + word;
      } else {
        line += empty ? word : ` ${word}`;
      }
      empty = false;
    }
    out.push(empty ? line.trimEnd() : line);
  }
  return out;
}

function renderHtml(content: TEmailContent, subject: string): string {
  const p = (text: string, style = '') => `<p style="margin:0 0 16px;${style}">${escapeHtml(text)}</p>`;
  const blocks = content.body.map((block) => {
    switch (block.kind) {
      case 'paragraph':
        return p(block.text);
      case 'list':
        return (
          (block.title ? p(block.title, 'font-weight:600;margin-bottom:8px') : '') +
          `<ul style="margin:0 0 16px;padding-left:24px">${block.items
            .map((item) => `<li style="margin:0 0 6px">${escapeHtml(oneLine(item))}</li>`)
            .join('')}</ul>`
        );
      case 'details':
        return `<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 16px;width:100%">${block.rows
          .map(
            (row) =>
              `<tr><th scope="row" style="text-align:left;font-weight:600;padding:8px 12px 8px 0;border-bottom:1px solid ${colors.border};vertical-align:top;white-space:nowrap">${escapeHtml(row.label)}</th>` +
              `<td style="padding:8px 0;border-bottom:1px solid ${colors.border}">${escapeHtml(oneLine(row.value))}</td></tr>`,
          )
          .join('')}</table>`;
      case 'code':
        return (
          p(block.label, 'margin-bottom:8px') +
          `<p style="margin:0 0 16px;font-size:28px;font-weight:700;letter-spacing:6px;font-family:Menlo,Consolas,monospace;background:${colors.panel};padding:12px 16px;border-radius:6px;display:inline-block">${escapeHtml(block.code)}</p>`
        );
    }
  });
  const action = content.action
    ? `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:24px 0 8px"><tr><td style="border-radius:6px;background:${colors.accent}">` +
      `<a href="${escapeHtml(content.action.url)}" style="display:inline-block;padding:12px 22px;color:#ffffff;font-weight:600;text-decoration:none;border-radius:6px">${escapeHtml(content.action.label)}</a>` +
      `</td></tr></table>` +
      `<p style="margin:0 0 24px;font-size:14px;color:${colors.muted}">If the button does not work, copy this link into your browser:<br>` +
      `<a href="${escapeHtml(content.action.url)}" style="color:${colors.accent};word-break:break-all">${escapeHtml(content.action.url)}</a></p>`
    : '';
  const footnotes = (content.footnotes ?? [])
    .map((note) => p(note, `font-size:14px;color:${colors.muted}`))
    .join('');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
    '<meta name="color-scheme" content="light"><meta name="supported-color-schemes" content="light">',
    `<title>${escapeHtml(subject)}</title></head>`,
    `<body style="margin:0;padding:0;background:#ffffff;color:${colors.text};font-family:${font};font-size:16px;line-height:1.5">`,
    `<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(oneLine(content.preview))}</div>`,
    `<div role="article" aria-label="${escapeHtml(subject)}" lang="en" style="max-width:560px;margin:0 auto;padding:24px">`,
    `<p style="margin:0 0 24px;padding-bottom:12px;border-bottom:2px solid ${colors.accent};font-size:18px;font-weight:700">${escapeHtml(oneLine(content.sender))}</p>`,
    content.greeting ? p(content.greeting) : '',
    ...blocks,
    action,
    footnotes,
    content.signature ? p(content.signature, 'margin-top:24px') : '',
    '</div></body></html>',
  ].join('');
}
