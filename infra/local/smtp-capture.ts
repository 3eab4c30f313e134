/**
 * A local SMTP capture in the manner of Mailpit: accepts every message sent to it (no auth, no TLS;
 * recipients at two reserved test domains are refused, see `simulatedRejectionDomains`),
 * keeps the latest ones in memory (and, optionally, in a JSONL file that survives restarts), and
 * shows them on a small web mailbox with a JSON API. Runs in-process: tests read `messages()`.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerEnvelope } from 'smtp-server';
import type { StackLog } from './log';
import { MAILBOX_PAGE, MAILBOX_SCRIPT } from './mailbox-page';

export interface CapturedMessage {
  id: string;
  /** The From header as written, e.g. `"Harbor CPA" <no-reply@example.com>`. */
  from: string;
  /** Addresses in the To header. */
  to: string[];
  cc: string[];
  /** The SMTP envelope: who actually received it (includes Bcc recipients). */
  envelope: { from: string | null; to: string[] };
  subject: string;
  /** The Date header (ISO 8601), or the time of receipt. */
  date: string;
  receivedAt: string;
  messageId: string | null;
  text: string | null;
  html: string | null;
  /** Header name (lower case) to its value; repeated headers are joined by newlines. */
  headers: Record<string, string>;
  attachments: { filename: string | null; contentType: string; size: number }[];
}

export interface SmtpCaptureOptions {
  /** 0 (the default) picks a free port. */
  smtpPort?: number;
  /** Port of the mailbox page and API; 0 (the default) picks a free port. */
  httpPort?: number;
  /** Messages kept; older ones are dropped (500 unless given). */
  maxMessages?: number;
  /** Append every message to this JSONL file and reload it at start. */
  jsonlFile?: string;
  log?: StackLog;
}

export interface SmtpCapture {
  /** smtp://127.0.0.1:<port> */
  smtpUrl: string;
  /** http://127.0.0.1:<port>: the mailbox page; the API is under /api/messages. */
  httpUrl: string;
  /** Captured messages, newest first. */
  messages(): CapturedMessage[];
  /** Resolves with the first message (already captured or still to come) that matches. */
  waitForMessage(
    predicate: (message: CapturedMessage) => boolean,
    timeoutMs?: number,
  ): Promise<CapturedMessage>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export async function startSmtpCapture(options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const { maxMessages = 500, jsonlFile, log } = options;
  /** Oldest first; the API and messages() reverse it. */
  let stored: CapturedMessage[] = jsonlFile ? await loadJsonl(jsonlFile, maxMessages, log) : [];
  let version = 0;
  const waiters = new Set<{
    predicate: (message: CapturedMessage) => boolean;
    resolve: (m: CapturedMessage) => void;
  }>();

  const add = async (message: CapturedMessage) => {
    stored.push(message);
    if (stored.length > maxMessages) stored = stored.slice(-maxMessages);
    version += 1;
    for (const waiter of waiters) {
      if (waiter.predicate(message)) {
        waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
    if (jsonlFile) await appendFile(jsonlFile, `${JSON.stringify(message)}\n`);
  };
  const clear = async () => {
    stored = [];
    version += 1;
    if (jsonlFile) await writeFile(jsonlFile, '');
  };
  const newestFirst = () => stored.toReversed();

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    banner: 'CPA Platform local mail capture',
    onRcptTo(address, _session, callback) {
      callback(simulatedRejection(address.address));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => add(toCapturedMessage(parsed, session.envelope)))
        .then(
          () => callback(),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
    },
  });
  smtp.on('error', (error) => log?.warn(`mail capture: ${error.message}`));
  const smtpPort = await listen(smtp.server, options.smtpPort ?? 0, (port, cb) =>
    smtp.listen(port, HOST, cb),
  );

  const http = createServer((request, response) => {
    handleHttp(request, response, { newestFirst, clear, version: () => version }).catch((error: unknown) => {
      log?.warn(`mailbox: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  const httpPort = await listen(http, options.httpPort ?? 0, (port, cb) => http.listen(port, HOST, cb));

  let stopped: Promise<void> | undefined;
  return {
    smtpUrl: `smtp://${HOST}:${smtpPort}`,
    httpUrl: `http://${HOST}:${httpPort}`,
    messages: newestFirst,
    clear,
    waitForMessage(predicate, timeoutMs = 15_000) {
      const found = newestFirst().find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (message: CapturedMessage) => {
            clearTimeout(timer);
            resolve(message);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching email arrived within ${timeoutMs} ms (${stored.length} captured)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    stop() {
      stopped ??= Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        }),
      ]).then(() => undefined);
      return stopped;
    },
  };
}

/**
 * Recipient domains the capture refuses, so tests and developers can see how the platform handles a
 * refused email: `bounce.test` gets a permanent 550 (no such mailbox), `defer.test` a temporary 451.
 * Both are reserved names (RFC 2606) that no real mail goes to.
 */
export const simulatedRejectionDomains = { permanent: 'bounce.test', temporary: 'defer.test' } as const;

function simulatedRejection(address: string): (Error & { responseCode: number }) | null {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  const reject = (message: string, responseCode: number) =>
    Object.assign(new Error(message), { responseCode });
  if (domain === simulatedRejectionDomains.permanent) {
    return reject('5.1.1 Mailbox does not exist (simulated by the local mail capture)', 550);
  }
  if (domain === simulatedRejectionDomains.temporary) {
    return reject('4.2.1 Mailbox busy, try again later (simulated by the local mail capture)', 451);
  }
  return null;
}

function listen(
  server: NetServer,
  port: number,
  start: (port: number, callback: () => void) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    start(port, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((object) => object.value.flatMap((entry) => (entry.address ? [entry.address] : [])));
}

function toCapturedMessage(parsed: ParsedMail, envelope: SMTPServerEnvelope): CapturedMessage {
  const receivedAt = new Date().toISOString();
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    const value = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}\n${value}`;
  }
  return {
    id: randomUUID(),
    from: parsed.from?.text ?? '',
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    envelope: {
      from: envelope.mailFrom ? envelope.mailFrom.address : null,
      to: envelope.rcptTo.map((recipient) => recipient.address),
    },
    subject: parsed.subject ?? '',
    date: parsed.date?.toISOString() ?? receivedAt,
    receivedAt,
    messageId: parsed.messageId ?? null,
    text: parsed.text ?? null,
    html: typeof parsed.html === 'string' ? parsed.html : null,
    headers,
    attachments: parsed.attachments.map((attachment) => ({
      filename: attachment.filename ?? null,
      contentType: attachment.contentType,
      size: attachment.size,
    })),
  };
}

async function loadJsonl(file: string, max: number, log: StackLog | undefined): Promise<CapturedMessage[]> {
  await mkdir(path.dirname(file), { recursive: true });
  const text = await readFile(file, 'utf8').catch(() => '');
  const messages: CapturedMessage[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      messages.push(JSON.parse(line) as CapturedMessage);
    } catch {
      log?.warn(`mailbox: skipped an unreadable line in ${file}`);
    }
  }
  return messages.slice(-max);
}

interface MailboxState {
  newestFirst(): CapturedMessage[];
  clear(): Promise<void>;
  version(): number;
}

const PAGE_SECURITY_HEADERS = {
  // The page renders untrusted mail: its own script only, mail bodies in a sandboxed iframe without
  // scripts. Remote images and styles in a message are allowed, as a mail client would.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src * 'unsafe-inline'; img-src * data:; " +
    "font-src * data:; frame-src 'self' about:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

async function handleHttp(
  request: IncomingMessage,
  response: ServerResponse,
  state: MailboxState,
): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://mailbox');
  const method = request.method ?? 'GET';
  const json = (status: number, body: unknown, extra: Record<string, string> = {}) => {
    response.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-cache',
      ...extra,
    });
    response.end(JSON.stringify(body));
  };

  if (method === 'GET' && pathname === '/') {
    response.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      ...PAGE_SECURITY_HEADERS,
    });
    response.end(MAILBOX_PAGE);
    return;
  }
  if (method === 'GET' && pathname === '/mailbox.js') {
    response.writeHead(200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'no-cache',
      ...PAGE_SECURITY_HEADERS,
    });
    response.end(MAILBOX_SCRIPT);
    return;
  }
  if (pathname === '/api/messages') {
    if (method === 'GET') {
      const etag = `"${state.version()}"`;
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304, { ETag: etag, 'Cache-Control': 'no-cache' }).end();
        return;
      }
      json(200, state.newestFirst(), { ETag: etag });
      return;
    }
    if (method === 'DELETE') {
      await state.clear();
      response.writeHead(204).end();
      return;
    }
    json(405, { error: 'use GET or DELETE' }, { Allow: 'GET, DELETE' });
    return;
  }
  const single = /^\/api\/messages\/([^/]+)$/.exec(pathname);
  if (single && method === 'GET') {
    const id = decodeURIComponent(single[1] ?? '');
    const message = state.newestFirst().find((candidate) => candidate.id === id);
    if (message) json(200, message);
    else json(404, { error: 'no such message' });
    return;
  }
  json(404, { error: 'not found' });
}
