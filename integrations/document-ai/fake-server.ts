import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  AnalyzeResultOutput,
  DocumentIntelligenceErrorOutput,
} from '@azure-rest/ai-document-intelligence';
import { sniffMediaType } from './document-ai';
import { cannedAnalyzeResults } from './fixtures/azure-analyze-results';

/**
 * A local fake of Azure AI Document Intelligence's analyze exchange (REST API 2024-11-30), for tests
 * and offline development of the production adapter:
 *
 *   POST {endpoint}/documentintelligence/documentModels/{modelId}:analyze?api-version=2024-11-30
 *        (raw bytes with the file's Content-Type, or JSON `{ "base64Source": "..." }`)
 *     → 202, `Operation-Location: {endpoint}/documentintelligence/documentModels/{modelId}/analyzeResults/{resultId}?api-version=…`
 *   GET  Operation-Location
 *     → 200 `{ status: "running" }` a configurable number of times, then `{ status: "succeeded", analyzeResult }`
 *
 * It checks the `Ocp-Apim-Subscription-Key` header (401 otherwise), the API version, the model ID
 * (404 ModelNotFound), the media type (415) and the content (400 InvalidContent when the bytes are not
 * a PDF or an image), and can inject throttling, server errors, failed operations and slow answers.
 */

export const fakeApiVersion = '2024-11-30';

export type TFakeServiceError = DocumentIntelligenceErrorOutput;

/** A fault the fake injects into the next matching request(s), in the order they were injected. */
export type TFakeFault = {
  /** Which request it hits: the analyze POST or a poll GET. */
  on: 'analyze' | 'poll';
  /** How many requests it applies to (default 1). */
  times?: number;
  /** Answer late (the request still succeeds unless `status` or `operationError` says otherwise). */
  delayMs?: number;
} & (
  | { status?: undefined; operationError?: undefined }
  /** Answer with this HTTP status and an error body (default body per status). */
  | { status: number; retryAfterSeconds?: number; error?: TFakeServiceError; operationError?: undefined }
  /** (poll only) answer 200 with `status: "failed"` and this error. */
  | { status?: undefined; operationError: TFakeServiceError }
);

export interface TFakeRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  apiVersion: string | null;
  modelId: string | null;
  contentType: string | null;
  /** Bytes of the document (decoded from base64Source for JSON requests). */
  documentBytes: number;
  /** Whether the request carried the right key (the key itself is never recorded). */
  authenticated: boolean;
}

export interface DocumentIntelligenceFakeOptions {
  /** The key requests must carry in `Ocp-Apim-Subscription-Key`. */
  apiKey: string;
  /** Poll answers with `status: "running"` before `succeeded` (default 1). */
  runningPolls?: number;
  /** Retry-After (seconds) on the 202 and on running polls (default 1, as the service sends). */
  retryAfterSeconds?: number;
  /** Results by model ID, replacing the canned ones. */
  results?: Record<string, () => AnalyzeResultOutput>;
  /** The models this resource offers (default: every model with a result), as a region or tier might limit them. */
  models?: string[];
  port?: number;
}

export interface DocumentIntelligenceFake {
  /** The resource endpoint to give the adapter, e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
  /** Every request received, oldest first. */
  readonly requests: TFakeRequest[];
  inject(...faults: TFakeFault[]): void;
  /** Replaces the result of a model from now on. */
  setResult(modelId: string, result: () => AnalyzeResultOutput): void;
  /** Forgets requests, faults and operations. */
  reset(): void;
  close(): Promise<void>;
}

const rawContentTypes = new Set([
  'application/octet-stream',
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/tiff',
  'image/bmp',
  'image/heif',
  'text/html',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
]);

const defaultErrors: Record<number, TFakeServiceError> = {
  401: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
  429: {
    code: '429',
    message:
      'Requests to the Analyze Document operation have exceeded the rate limit of your current pricing tier. Please retry after the interval in Retry-After.',
  },
  500: { code: 'InternalServerError', message: 'An unexpected error occurred.' },
  502: { code: 'BadGateway', message: 'Bad gateway.' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
};

interface TOperation {
  modelId: string;
  created: string;
  runningPollsLeft: number;
  result: AnalyzeResultOutput;
}

interface TPendingFault {
  fault: TFakeFault;
  left: number;
}

export async function startDocumentIntelligenceFake(
  options: DocumentIntelligenceFakeOptions,
): Promise<DocumentIntelligenceFake> {
  const requests: TFakeRequest[] = [];
  const faults: TPendingFault[] = [];
  const operations = new Map<string, TOperation>();
  const results = new Map(Object.entries({ ...cannedAnalyzeResults, ...options.results }));
  const offered = options.models ? new Set(options.models) : null;
  const runningPolls = options.runningPolls ?? 1;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  let endpoint = '';

  function takeFault(on: 'analyze' | 'poll'): TFakeFault | undefined {
    const pending = faults.find((entry) => entry.fault.on === on && entry.left > 0);
    if (!pending) return undefined;
    pending.left -= 1;
    return pending.fault;
  }

  function send(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, {
      'apim-request-id': randomUUID(),
      'x-envoy-upstream-service-time': '12',
      ...(text
        ? {
            'content-type': 'application/json; charset=utf-8',
            'content-length': String(Buffer.byteLength(text)),
          }
        : { 'content-length': '0' }),
      ...headers,
    });
    response.end(text);
  }

  function sendError(
    response: ServerResponse,
    status: number,
    error: TFakeServiceError,
    headers: Record<string, string> = {},
  ) {
    send(response, status, { error }, headers);
  }

  function invalid(innerCode: string, message: string): TFakeServiceError {
    return { code: 'InvalidRequest', message: 'Invalid request.', innererror: { code: innerCode, message } };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const analyzeMatch = /^\/documentintelligence\/documentModels\/([^/:]+):analyze$/.exec(url.pathname);
    const pollMatch = /^\/documentintelligence\/documentModels\/([^/:]+)\/analyzeResults\/([^/]+)$/.exec(
      url.pathname,
    );
    const body = await readBody(request);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() || null;
    const authenticated = request.headers['ocp-apim-subscription-key'] === options.apiKey;
    const record: TFakeRequest = {
      method: request.method ?? '',
      path: url.pathname,
      apiVersion: url.searchParams.get('api-version'),
      modelId: decodeURIComponent(analyzeMatch?.[1] ?? pollMatch?.[1] ?? '') || null,
      contentType,
      documentBytes: 0,
      authenticated,
    };
    requests.push(record);

    const kind =
      analyzeMatch && request.method === 'POST'
        ? 'analyze'
        : pollMatch && request.method === 'GET'
          ? 'poll'
          : null;
    if (!kind) {
      sendError(response, 404, { code: '404', message: 'Resource not found' });
      return;
    }
    if (!authenticated) {
      sendError(response, 401, defaultErrors[401]!);
      return;
    }
    const fault = takeFault(kind);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.status !== undefined) {
      sendError(
        response,
        fault.status,
        fault.error ??
          defaultErrors[fault.status] ?? { code: String(fault.status), message: 'Injected failure.' },
        fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
      );
      return;
    }
    if (record.apiVersion !== fakeApiVersion) {
      sendError(
        response,
        400,
        invalid(
          'UnsupportedApiVersion',
          `The API version ${record.apiVersion ?? '(none)'} is not supported; use ${fakeApiVersion}.`,
        ),
      );
      return;
    }

    if (kind === 'analyze') {
      const modelId = record.modelId ?? '';
      const result = offered && !offered.has(modelId) ? undefined : results.get(modelId);
      if (!result) {
        sendError(response, 404, {
          code: 'NotFound',
          message: 'Resource not found.',
          innererror: { code: 'ModelNotFound', message: `The requested model ${modelId} was not found.` },
        });
        return;
      }
      let document: Buffer;
      if (contentType === 'application/json') {
        let parsed: { base64Source?: unknown; urlSource?: unknown };
        try {
          parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
        } catch {
          sendError(response, 400, invalid('InvalidParameter', 'The request body is not valid JSON.'));
          return;
        }
        if (typeof parsed.base64Source !== 'string') {
          sendError(
            response,
            400,
            invalid(
              'InvalidParameter',
              'This local fake reads base64Source or raw bytes; urlSource is not supported.',
            ),
          );
          return;
        }
        document = Buffer.from(parsed.base64Source, 'base64');
      } else if (contentType && rawContentTypes.has(contentType)) {
        document = body;
      } else {
        sendError(response, 415, {
          code: 'UnsupportedMediaType',
          message: `Content type ${contentType ?? '(none)'} is not supported.`,
        });
        return;
      }
      record.documentBytes = document.byteLength;
      if (document.byteLength === 0) {
        sendError(response, 400, invalid('InvalidContentLength', 'The input content is empty.'));
        return;
      }
      if (
        !sniffMediaType(document) ||
        (sniffMediaType(document) === 'application/pdf' && !hasPdfTrailer(document))
      ) {
        sendError(
          response,
          400,
          invalid(
            'InvalidContent',
            'The file is corrupted or format is unsupported. Refer to documentation for the list of supported formats.',
          ),
        );
        return;
      }
      const resultId = randomUUID();
      operations.set(resultId, {
        modelId,
        created: new Date().toISOString(),
        runningPollsLeft: runningPolls,
        result: result(),
      });
      send(response, 202, undefined, {
        'operation-location': `${endpoint}/documentintelligence/documentModels/${encodeURIComponent(modelId)}/analyzeResults/${resultId}?api-version=${fakeApiVersion}`,
        'retry-after': String(retryAfterSeconds),
      });
      return;
    }

    const operation = operations.get(decodeURIComponent(pollMatch?.[2] ?? ''));
    if (!operation || operation.modelId !== record.modelId) {
      sendError(response, 404, {
        code: 'NotFound',
        message: 'Resource not found.',
        innererror: { code: 'OperationNotFound', message: 'The requested operation was not found.' },
      });
      return;
    }
    const now = new Date().toISOString();
    if (fault?.operationError) {
      send(response, 200, {
        status: 'failed',
        createdDateTime: operation.created,
        lastUpdatedDateTime: now,
        error: fault.operationError,
      });
      return;
    }
    if (operation.runningPollsLeft > 0) {
      operation.runningPollsLeft -= 1;
      send(
        response,
        200,
        { status: 'running', createdDateTime: operation.created, lastUpdatedDateTime: now },
        { 'retry-after': String(retryAfterSeconds) },
      );
      return;
    }
    send(response, 200, {
      status: 'succeeded',
      createdDateTime: operation.created,
      lastUpdatedDateTime: now,
      analyzeResult: operation.result,
    });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendError(response, 500, {
          code: 'InternalServerError',
          message: `The fake failed: ${error instanceof Error ? error.message : String(error)}`,
        });
      } else {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    requests,
    inject(...newFaults) {
      for (const fault of newFaults) faults.push({ fault, left: fault.times ?? 1 });
    },
    setResult(modelId, result) {
      results.set(modelId, result);
    },
    reset() {
      requests.length = 0;
      faults.length = 0;
      operations.clear();
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

/** A complete PDF ends with `%%EOF` (a truncated upload does not). */
function hasPdfTrailer(bytes: Buffer): boolean {
  return bytes.subarray(Math.max(0, bytes.length - 1024)).includes('%%EOF');
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
