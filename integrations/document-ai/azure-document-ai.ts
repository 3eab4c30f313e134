import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import DocumentIntelligence, {
  type AnalyzeDocumentFromStreamMediaTypesParam,
  type AnalyzeOperationOutput,
  type DocumentIntelligenceClient,
  type DocumentIntelligenceErrorOutput,
} from '@azure-rest/ai-document-intelligence';
import { AzureKeyCredential } from '@azure/core-auth';
import {
  DocumentAiError,
  normalizeContentType,
  type DocumentAi,
  type TAnalyzeInput,
  type TDocumentCategory,
  type TExtraction,
} from './document-ai';
import { mapAnalyzeResult } from './azure-analyze-result';

/** The Document Intelligence REST API version the adapter speaks (v4.0 GA). */
export const documentIntelligenceApiVersion = '2024-11-30';

/** The prebuilt model that reads each category. */
export const azureModelIds: Record<TDocumentCategory, string> = {
  w2: 'prebuilt-tax.us.w2',
  '1099-int': 'prebuilt-tax.us.1099INT',
  '1099-div': 'prebuilt-tax.us.1099DIV',
  '1099-misc': 'prebuilt-tax.us.1099MISC',
  '1099-nec': 'prebuilt-tax.us.1099NEC',
  '1099-b': 'prebuilt-tax.us.1099B',
  '1099-r': 'prebuilt-tax.us.1099R',
  '1098': 'prebuilt-tax.us.1098',
  '1098-e': 'prebuilt-tax.us.1098E',
  '1098-t': 'prebuilt-tax.us.1098T',
  'bank-statement': 'prebuilt-bankStatement.us',
  invoice: 'prebuilt-invoice',
  receipts: 'prebuilt-receipt',
  'prior-year-return': 'prebuilt-tax.us',
  'unknown-tax-form': 'prebuilt-tax.us',
  'credit-card-statement': 'prebuilt-layout',
  'payroll-summary': 'prebuilt-layout',
  'engagement-letter': 'prebuilt-layout',
  'id-document': 'prebuilt-layout',
  other: 'prebuilt-layout',
};

type TAzureContentType = AnalyzeDocumentFromStreamMediaTypesParam['contentType'];

/** What every prebuilt model reads. */
const imageAndPdfTypes: readonly TAzureContentType[] = [
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/tiff',
  'image/bmp',
  'image/heif',
];
/** What the layout model reads besides PDFs and images. */
const officeAndHtmlTypes: readonly TAzureContentType[] = [
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'text/html',
];

export interface AzureDocumentAiOptions {
  /** The resource endpoint, e.g. `https://<name>.cognitiveservices.azure.com`. */
  endpoint: string;
  key: string;
  /** Tries per HTTP request when throttled or when the service fails (default 4). */
  maxAttempts?: number;
  /** First backoff after a 5xx or a connection failure; doubles each time (default 1 s). */
  retryDelayMs?: number;
  /**
   * The longest wait inside one call (default 30 s). A throttled answer asking for longer ends the
   * call with a retryable error carrying the wait, so Temporal schedules the retry instead.
   */
  maxRetryDelayMs?: number;
  /** Per HTTP request, until the answer's headers arrive (default 60 s). */
  requestTimeoutMs?: number;
  /** Poll interval when the service does not say (default 1 s). */
  pollIntervalMs?: number;
  /** How long to wait for one analysis to finish (default 10 min). */
  maxAnalysisMs?: number;
}

interface TCallContext {
  signal: AbortSignal | undefined;
  onProgress: (() => void) | undefined;
}

/**
 * The production document reader: Azure AI Document Intelligence v4 (`2024-11-30`) through
 * `@azure-rest/ai-document-intelligence`. It submits the file to the category's prebuilt model, polls
 * the long-running operation (honouring Retry-After), retries throttling and service failures a
 * bounded number of times within the call, and maps the result to the platform's extraction.
 */
export function createAzureDocumentAi(options: AzureDocumentAiOptions): DocumentAi {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const maxAttempts = options.maxAttempts ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const maxAnalysisMs = options.maxAnalysisMs ?? 10 * 60_000;

  // The pipeline's own retries are off: this adapter retries itself, so it can heartbeat while it
  // waits, cap the waits, and report a readable reason when it gives up.
  const client: DocumentIntelligenceClient = DocumentIntelligence(
    endpoint,
    new AzureKeyCredential(options.key),
    {
      apiVersion: documentIntelligenceApiVersion,
      retryOptions: { maxRetries: 0 },
      // Keys travel over HTTPS only; plain HTTP is allowed for a fake on this machine.
      allowInsecureConnection: isLoopback(endpoint),
      userAgentOptions: { userAgentPrefix: 'cpa-platform' },
    },
  );

  /** Waits, calling onProgress at least every 5 seconds; the signal ends the wait. */
  async function wait(ms: number, ctx: TCallContext): Promise<void> {
    let remaining = Math.max(0, ms);
    do {
      const step = Math.min(remaining, 5000);
      await sleep(step, undefined, { signal: ctx.signal });
      remaining -= step;
      ctx.onProgress?.();
    } while (remaining > 0);
  }

  function backoff(attempt: number): number {
    const exponential = retryDelayMs * 2 ** (attempt - 1);
    const jitter = 0.8 + Math.random() * 0.4;
    return Math.min(maxRetryDelayMs, Math.round(exponential * jitter));
  }

  /** Sends one request, retrying throttling, 5xx, timeouts and connection failures. */
  async function send<T extends HttpResponse>(
    what: TRequestKind,
    request: (signal: AbortSignal) => PromiseLike<T>,
    ctx: TCallContext,
  ): Promise<T> {
    let lastFailure: DocumentAiError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const timeout = AbortSignal.timeout(requestTimeoutMs);
      const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
      let failure: DocumentAiError;
      try {
        const response = await request(signal);
        ctx.onProgress?.();
        const status = Number(response.status);
        if (status >= 200 && status < 300) return response;
        failure = httpFailure(what, status, response);
      } catch (error) {
        if (ctx.signal?.aborted) throw abortReason(ctx.signal, error);
        failure = transportFailure(what, error, timeout.aborted, requestTimeoutMs);
      }
      if (!failure.retryable) throw failure;
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > maxRetryDelayMs) throw failure;
      lastFailure = failure;
      if (attempt < maxAttempts) await wait(failure.retryAfterMs ?? backoff(attempt), ctx);
    }
    throw new DocumentAiError(
      lastFailure?.kind ?? 'unavailable',
      `${lastFailure?.message ?? 'Document Intelligence did not answer'} (gave up after ${maxAttempts} tries)`,
      {
        retryAfterMs: lastFailure?.retryAfterMs,
        status: lastFailure?.status,
        code: lastFailure?.code,
        cause: lastFailure,
      },
    );
  }

  async function analyze(input: TAnalyzeInput): Promise<TExtraction> {
    const ctx: TCallContext = { signal: input.signal, onProgress: input.onProgress };
    const modelId = azureModelIds[input.category];
    const contentType = normalizeContentType(input.contentType) as TAzureContentType;
    const readable =
      modelId === 'prebuilt-layout' ? [...imageAndPdfTypes, ...officeAndHtmlTypes] : imageAndPdfTypes;
    if (!readable.includes(contentType)) {
      throw new DocumentAiError(
        'unsupported_type',
        `Document Intelligence cannot read files of type ${input.contentType || 'unknown'}; upload a PDF or an image (JPEG, PNG, TIFF, BMP, HEIF).`,
      );
    }
    input.signal?.throwIfAborted();
    const started = Date.now();
    try {
      const submitted = await send(
        'analyze',
        (signal) =>
          client.path('/documentModels/{modelId}:analyze', modelId).post({
            contentType,
            body:
              input.content instanceof Uint8Array
                ? input.content
                : Readable.from(input.content(), { objectMode: false }),
            abortSignal: signal,
          }),
        ctx,
      );
      const resultId = resultIdOf(submitted.headers['operation-location']);
      let nextPollMs = retryAfterMs(submitted.headers) ?? pollIntervalMs;
      for (;;) {
        if (Date.now() + nextPollMs - started > maxAnalysisMs) {
          throw new DocumentAiError(
            'timeout',
            `Document Intelligence did not finish analyzing the document within ${formatDuration(maxAnalysisMs)}`,
          );
        }
        await wait(nextPollMs, ctx);
        const polled = await send(
          'poll',
          (signal) =>
            client
              .path('/documentModels/{modelId}/analyzeResults/{resultId}', modelId, resultId)
              .get({ abortSignal: signal }),
          ctx,
        );
        const operation = polled.body as AnalyzeOperationOutput;
        switch (operation.status) {
          case 'succeeded':
            if (!operation.analyzeResult) {
              throw new DocumentAiError(
                'analysis_failed',
                'Document Intelligence reported success without a result',
              );
            }
            return mapAnalyzeResult(operation.analyzeResult, input.category);
          case 'failed':
          case 'canceled':
          case 'skipped':
            throw operationFailure(operation);
          default:
            nextPollMs = retryAfterMs(polled.headers) ?? pollIntervalMs;
        }
      }
    } catch (error) {
      if (input.signal?.aborted) throw abortReason(input.signal, error);
      throw error;
    }
  }

  return {
    provider: 'azure',
    analyze,
    async close() {
      // The REST client keeps no resources that need closing.
    },
  };
}

type TRequestKind = 'analyze' | 'poll';

/** The parts of a REST client answer the adapter reads. */
interface HttpResponse {
  status: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/** Whether an endpoint is on this machine (the local fake), where plain HTTP is acceptable. */
export function isLoopback(endpoint: string): boolean {
  try {
    const { hostname } = new URL(endpoint);
    return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  } catch {
    return false;
  }
}

function abortReason(signal: AbortSignal, fallback: unknown): unknown {
  return signal.reason ?? fallback;
}

/** The operation ID from the `Operation-Location` of the 202 answer. */
function resultIdOf(operationLocation: unknown): string {
  const match =
    typeof operationLocation === 'string' ? /\/analyzeResults\/([^/?#]+)/.exec(operationLocation) : null;
  if (!match?.[1]) {
    throw new DocumentAiError(
      'analysis_failed',
      'Document Intelligence accepted the document without an Operation-Location to poll',
    );
  }
  return decodeURIComponent(match[1]);
}

/** Retry-After (seconds or an HTTP date) in milliseconds, when the answer has one. */
export function retryAfterMs(headers: Record<string, string | undefined>): number | undefined {
  const value = headers['retry-after'];
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function errorOf(body: unknown): DocumentIntelligenceErrorOutput | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const error = body.error;
    if (error && typeof error === 'object') return error as DocumentIntelligenceErrorOutput;
  }
  return undefined;
}

/** `InvalidRequest/InvalidContent`: the error code and its most specific inner code. */
function errorCode(error: DocumentIntelligenceErrorOutput | undefined): string | undefined {
  if (!error) return undefined;
  let inner = error.innererror;
  let innermost: string | undefined;
  while (inner) {
    innermost = inner.code ?? innermost;
    inner = inner.innererror;
  }
  return innermost && innermost !== error.code ? `${error.code}/${innermost}` : error.code;
}

const badContentCode =
  /\/(InvalidContent\w*|InvalidPassword|ContentSourceNotAccessible|InvalidImage\w*|InvalidPdf\w*)$/i;

const fixKeyAdvice =
  'Ops: check AZURE_DOCUMENT_INTELLIGENCE_KEY and AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT (the key must belong to that resource), restart the worker, then retry the document.';

/** Classifies an HTTP error answer. */
function httpFailure(what: TRequestKind, status: number, response: HttpResponse): DocumentAiError {
  const code = errorCode(errorOf(response.body));
  // Some answers carry the status itself as their code ("401"): say it once.
  const shown = code && code !== String(status) ? ` ${code}` : '';
  const details = { status, code };
  if (status === 401 || status === 403) {
    return new DocumentAiError(
      'authentication',
      `Document Intelligence refused the platform's credentials (HTTP ${status}${shown}). ${fixKeyAdvice}`,
      details,
    );
  }
  if (status === 429) {
    const wait = retryAfterMs(response.headers);
    return new DocumentAiError(
      'throttled',
      `Document Intelligence is throttling requests (HTTP 429)${wait === undefined ? '' : `; it asked to wait ${formatDuration(wait)}`}`,
      { ...details, retryAfterMs: wait },
    );
  }
  if (status === 408 || status >= 500) {
    return new DocumentAiError(
      'unavailable',
      `Document Intelligence is unavailable (HTTP ${status}${shown})`,
      { ...details, retryAfterMs: retryAfterMs(response.headers) },
    );
  }
  if (status === 413) {
    return new DocumentAiError(
      'bad_document',
      'The file is larger than Document Intelligence accepts; ask for a smaller scan or fewer pages.',
      details,
    );
  }
  if (status === 415) {
    return new DocumentAiError(
      'unsupported_type',
      `Document Intelligence cannot read this type of file (HTTP 415${shown}); upload a PDF or an image.`,
      details,
    );
  }
  if (status === 400 && code && badContentCode.test(code)) {
    return new DocumentAiError(
      'bad_document',
      `Document Intelligence could not read the file (${code}): it is damaged, empty, password-protected or not the format its type says. Ask the client to upload it again.`,
      details,
    );
  }
  if (status === 404 && what === 'poll') {
    return new DocumentAiError(
      'analysis_failed',
      `Document Intelligence no longer knows the analysis it was polled for (HTTP 404${shown}); it will be submitted again.`,
      details,
    );
  }
  if (status === 404) {
    return new DocumentAiError(
      'configuration',
      `Document Intelligence has no such model or path (HTTP 404${shown}). Ops: check AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT and that the resource's region offers the model.`,
      details,
    );
  }
  return new DocumentAiError(
    'configuration',
    `Document Intelligence rejected the request (HTTP ${status}${shown}); this needs a fix in the platform or its configuration.`,
    details,
  );
}

/** Classifies a request that got no HTTP answer. Errors that are not transport failures pass through. */
function transportFailure(
  what: TRequestKind,
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
): DocumentAiError {
  const action = what === 'analyze' ? 'submitting the document' : 'checking on the analysis';
  if (timedOut) {
    return new DocumentAiError(
      'timeout',
      `Document Intelligence did not answer within ${formatDuration(timeoutMs)} while ${action}`,
      { cause: error },
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'RestError' || typeof code === 'string') {
    return new DocumentAiError(
      'unavailable',
      `Document Intelligence could not be reached while ${action}${typeof code === 'string' ? ` (${code})` : ''}`,
      { cause: error, code: typeof code === 'string' ? code : undefined },
    );
  }
  throw error;
}

/** Classifies an analysis that ended without a result. */
function operationFailure(operation: AnalyzeOperationOutput): DocumentAiError {
  const code = errorCode(operation.error);
  const shown = code ? ` (${code})` : '';
  if (code && badContentCode.test(code)) {
    return new DocumentAiError(
      'bad_document',
      `Document Intelligence could not read the file${shown}: it is damaged, empty, password-protected or not the format its type says. Ask the client to upload it again.`,
      { code },
    );
  }
  if (code && /ModelNotFound|UnsupportedApiVersion/i.test(code)) {
    return new DocumentAiError(
      'configuration',
      `Document Intelligence could not analyze with this model${shown}. Ops: check the resource's region and tier.`,
      { code },
    );
  }
  return new DocumentAiError(
    'analysis_failed',
    `Document Intelligence ${operation.status === 'failed' ? 'failed to analyze' : `${operation.status} the analysis of`} the document${shown}`,
    { code },
  );
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}
