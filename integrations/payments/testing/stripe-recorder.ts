/**
 * Test support: an HTTP proxy between the Stripe adapter and stripe-mock that records every request
 * (method, path, query, idempotency key, API version, form parameters) and can answer a chosen request
 * itself, to stand in for states and failures stripe-mock cannot produce (an open invoice, a declined
 * card, a rate limit, a 5xx, a dropped connection).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TRecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  /** Form parameters as sent, e.g. `metadata[cpa_invoice_id]`. */
  params: URLSearchParams;
}

export type TStubbedAnswer =
  | { status: number; body: unknown }
  /** Close the connection without answering. */
  | 'drop-connection';

interface TStub {
  matches(request: TRecordedRequest): boolean;
  answer(request: TRecordedRequest, upstream: () => Promise<unknown>): Promise<TStubbedAnswer>;
  remaining: number;
}

export interface StripeRecorder {
  /** The API base URL to give the adapter. */
  url: string;
  requests: TRecordedRequest[];
  /** Requests that change something (POST and DELETE). */
  writes(): TRecordedRequest[];
  /**
   * Answers the next `times` requests that match with `answer` instead of stripe-mock. `answer` may
   * call `upstream()` for stripe-mock's own answer and change it.
   */
  stub(
    matches: (request: TRecordedRequest) => boolean,
    answer: (
      request: TRecordedRequest,
      upstream: () => Promise<unknown>,
    ) => TStubbedAnswer | Promise<TStubbedAnswer>,
    times?: number,
  ): void;
  reset(): void;
  close(): Promise<void>;
}

/** A Stripe API error body, as the API sends it. */
export function stripeErrorBody(type: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { type, message, ...extra } };
}

export async function startStripeRecorder(stripeMockUrl: string): Promise<StripeRecorder> {
  const requests: TRecordedRequest[] = [];
  const stubs: TStub[] = [];

  const forward = async (req: IncomingMessage, body: Buffer) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) {
        headers.set(name, value);
      }
    }
    return fetch(new URL(req.url ?? '/', stripeMockUrl), {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(body),
    });
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://recorder');
        const recorded: TRecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          idempotencyKey: headerOf(req, 'idempotency-key'),
          stripeVersion: headerOf(req, 'stripe-version'),
          params: new URLSearchParams(body.toString('utf8')),
        };
        requests.push(recorded);
        try {
          const stub = stubs.find((candidate) => candidate.remaining > 0 && candidate.matches(recorded));
          if (stub) {
            stub.remaining -= 1;
            const answer = await stub.answer(recorded, async () => (await forward(req, body)).json());
            if (answer === 'drop-connection') {
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.status, {
              'Content-Type': 'application/json',
              'Request-Id': 'req_recorded',
            });
            res.end(JSON.stringify(answer.body));
            return;
          }
          const upstream = await forward(req, body);
          const headers: Record<string, string> = {};
          upstream.headers.forEach((value, name) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) {
              headers[name] = value;
            }
          });
          res.writeHead(upstream.status, headers);
          res.end(Buffer.from(await upstream.arrayBuffer()));
        } catch (error) {
          res.writeHead(502, { 'Content-Type': 'text/plain' });
          res.end(`recorder could not reach stripe-mock: ${String(error)}`);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    writes: () => requests.filter((request) => request.method === 'POST' || request.method === 'DELETE'),
    stub(matches, answer, times = 1) {
      stubs.push({
        matches,
        answer: async (request, upstream) => answer(request, upstream),
        remaining: times,
      });
    },
    reset() {
      requests.length = 0;
      stubs.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}
