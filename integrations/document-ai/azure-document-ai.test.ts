import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { azureModelIds, createAzureDocumentAi, type AzureDocumentAiOptions } from './azure-document-ai';
import {
  DocumentAiError,
  ZExtraction,
  type DocumentAi,
  type TDocumentCategory,
  type TExtraction,
} from './document-ai';
import { startDocumentIntelligenceFake, type DocumentIntelligenceFake } from './fake-server';
import { cannedAnalyzeResults } from './fixtures/azure-analyze-results';

const apiKey = 'fake-key-for-tests-0123456789abcdef';
const pdf = new Uint8Array(await readFile(new URL('./fixtures/w2-text-layer.pdf', import.meta.url)));

let fake: DocumentIntelligenceFake;

beforeAll(async () => {
  fake = await startDocumentIntelligenceFake({ apiKey, runningPolls: 2, retryAfterSeconds: 0 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

/** The production adapter pointed at the fake, with short waits so tests stay fast. */
function adapter(overrides: Partial<AzureDocumentAiOptions> = {}): DocumentAi {
  return createAzureDocumentAi({
    endpoint: fake.endpoint,
    key: apiKey,
    retryDelayMs: 10,
    pollIntervalMs: 10,
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<DocumentAiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the analysis to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DocumentAiError);
  return error as DocumentAiError;
}

function value(extraction: TExtraction, name: string) {
  return extraction.fields[name]?.value;
}

describe('Azure Document Intelligence adapter (against the local fake)', () => {
  it('reads a W-2: submits the bytes to prebuilt-tax.us.w2, polls until succeeded and maps the typed fields', async () => {
    const progress: number[] = [];
    const extraction = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: 'w2',
      onProgress: () => progress.push(Date.now()),
    });

    expect(ZExtraction.parse(extraction)).toEqual(extraction);
    expect(extraction).toMatchObject({
      provider: 'azure',
      modelId: 'prebuilt-tax.us.w2',
      category: 'w2',
      pages: 1,
      confidence: 0.995,
      warnings: [],
    });
    const { boundingRegion, ...wages } = extraction.fields.WagesTipsAndOtherCompensation ?? {};
    expect(wages).toEqual({
      value: 85250,
      type: 'currency',
      confidence: 0.99,
      label: 'Box 1: Wages, tips, other compensation',
      page: 1,
    });
    // The polygon of the value on the page, in inches from the top-left corner: four corners.
    expect(boundingRegion).toHaveLength(8);
    expect(boundingRegion?.[0]).toBe(0.7);
    expect(value(extraction, 'FederalIncomeTaxWithheld')).toBe(12480.55);
    expect(value(extraction, 'SocialSecurityWages')).toBe(88000);
    expect(value(extraction, 'SocialSecurityTaxWithheld')).toBe(5456);
    expect(value(extraction, 'MedicareWagesAndTips')).toBe(88000);
    expect(value(extraction, 'MedicareTaxWithheld')).toBe(1276);
    expect(value(extraction, 'EmployerName')).toBe('Sample Employer LLC');
    expect(value(extraction, 'EmployerEin')).toBe('00-0012345');
    expect(value(extraction, 'EmployeeName')).toBe('Sample Employee');
    expect(value(extraction, 'State')).toBe('IL');
    expect(value(extraction, 'StateIncomeTax')).toBe(4219.88);
    expect(value(extraction, 'TaxYear')).toBe('2025');
    // Nested values outside the catalog keep their dotted path.
    expect(value(extraction, 'AdditionalInfo.0.LetterCode')).toBe('D');
    expect(value(extraction, 'AdditionalInfo.0.Amount')).toBe(4500);
    expect(extraction.fields['DependentCareBenefits']?.confidence).toBe(0.62);

    // The employee's SSN is reduced to its last four digits everywhere in the extraction.
    expect(extraction.fields.EmployeeSsnLast4).toMatchObject({ value: '4321', type: 'masked-id' });
    expect(JSON.stringify(extraction)).not.toContain('000-00-4321');

    const [submit, ...polls] = fake.requests;
    expect(submit).toMatchObject({
      method: 'POST',
      path: '/documentintelligence/documentModels/prebuilt-tax.us.w2:analyze',
      apiVersion: '2024-11-30',
      contentType: 'application/pdf',
      documentBytes: pdf.byteLength,
      authenticated: true,
    });
    expect(polls).toHaveLength(3);
    expect(polls.every((p) => p.method === 'GET' && p.path.includes('/analyzeResults/'))).toBe(true);
    expect(progress.length).toBeGreaterThanOrEqual(4);
  });

  it('streams content given as a function of chunks', async () => {
    const extraction = await adapter().analyze({
      content: async function* () {
        // Chunks arrive the way a blob download delivers them: one at a time, asynchronously.
        yield await Promise.resolve(pdf.subarray(0, 100));
        yield await Promise.resolve(pdf.subarray(100));
      },
      contentType: 'application/pdf',
      category: 'w2',
    });
    expect(value(extraction, 'EmployerName')).toBe('Sample Employer LLC');
    expect(fake.requests[0]?.documentBytes).toBe(pdf.byteLength);
  });

  const families: Array<[TDocumentCategory, string, Record<string, string | number>]> = [
    [
      '1099-int',
      'prebuilt-tax.us.1099INT',
      {
        PayerName: 'Sample Savings Bank',
        PayerTin: '00-0054321',
        RecipientTinLast4: '6789',
        InterestIncome: 1234.56,
        EarlyWithdrawalPenalty: 25,
        UsSavingsBondInterest: 310.2,
        FederalIncomeTaxWithheld: 123.46,
        TaxYear: '2025',
      },
    ],
    ['1099-div', 'prebuilt-tax.us.1099DIV', { TotalOrdinaryDividends: 2150.4, QualifiedDividends: 1720.32 }],
    ['1099-misc', 'prebuilt-tax.us.1099MISC', { Rents: 14400, OtherIncome: 750 }],
    [
      '1099-nec',
      'prebuilt-tax.us.1099NEC',
      { NonemployeeCompensation: 18500, PayerName: 'Sample Design Studio' },
    ],
    [
      '1099-b',
      'prebuilt-tax.us.1099B',
      { TotalProceeds: 10250, TotalCostBasis: 9100, TotalRealizedGainOrLoss: 1150 },
    ],
    [
      '1099-r',
      'prebuilt-tax.us.1099R',
      { GrossDistribution: 24000, FederalIncomeTaxWithheld: 2400, DistributionCode: '7' },
    ],
    [
      '1098',
      'prebuilt-tax.us.1098',
      {
        LenderName: 'Sample Mortgage Company',
        MortgageInterestReceived: 9876.54,
        MortgageOriginationDate: '2021-05-14',
        BorrowerTinLast4: '2468',
        TaxYear: '2025',
      },
    ],
    [
      '1098-e',
      'prebuilt-tax.us.1098E',
      { StudentLoanInterest: 1845.1, LenderName: 'Sample Student Loan Servicer' },
    ],
    [
      '1098-t',
      'prebuilt-tax.us.1098T',
      { PaymentsReceived: 11250, FilerName: 'Sample State University', StudentTinLast4: '1357' },
    ],
    [
      'bank-statement',
      'prebuilt-bankStatement.us',
      {
        BankName: 'Sample Community Bank',
        AccountNumberLast4: '4455',
        StatementStartDate: '2026-03-01',
        StatementEndDate: '2026-03-31',
        BeginningBalance: 12345.67,
        EndingBalance: 13395.42,
      },
    ],
    [
      'invoice',
      'prebuilt-invoice',
      { VendorName: 'Sample Office Supply Co.', InvoiceTotal: 432, DueDate: '2026-03-12' },
    ],
    [
      'receipts',
      'prebuilt-receipt',
      { MerchantName: 'Sample Cafe', Total: 23.73, TransactionDate: '2026-03-04' },
    ],
  ];

  it.each(families)(
    'reads a %s with %s and maps its fields to the platform names',
    async (category, modelId, expected) => {
      expect(azureModelIds[category]).toBe(modelId);
      const extraction = await adapter().analyze({ content: pdf, contentType: 'application/pdf', category });
      expect(extraction.modelId).toBe(modelId);
      expect(extraction.category).toBe(category);
      expect(extraction.warnings).toEqual([]);
      for (const [name, expectedValue] of Object.entries(expected)) {
        expect({ name, value: value(extraction, name) }).toEqual({ name, value: expectedValue });
      }
      expect(fake.requests[0]?.path).toBe(`/documentintelligence/documentModels/${modelId}:analyze`);
      // No full identifier survives outside a masked field.
      const text = JSON.stringify(extraction);
      for (const identifier of ['000-00-6789', '000-00-2468', '000-00-1357', '0000111122', '000012344455']) {
        expect(text).not.toContain(identifier);
      }
    },
  );

  it('keeps currency codes and page numbers of fields found on later pages', async () => {
    const invoice = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: 'invoice',
    });
    expect(invoice.fields.InvoiceTotal).toMatchObject({ value: 432, type: 'currency', currencyCode: 'USD' });
    const statement = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: 'bank-statement',
    });
    expect(statement.pages).toBe(2);
    expect(statement.fields.EndingBalance?.page).toBe(2);
    expect(statement.fields.BeginningBalance?.page).toBe(1);
  });

  it('reads an unknown tax form with the unified prebuilt-tax.us model and reports what it found', async () => {
    const extraction = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: 'unknown-tax-form',
    });
    expect(fake.requests[0]?.modelId).toBe('prebuilt-tax.us');
    expect(extraction.category).toBe('1099-nec');
    expect(value(extraction, 'NonemployeeCompensation')).toBe(6200);
    expect(extraction.warnings).toEqual([]);
  });

  it('uses prebuilt-layout for documents without a prebuilt model: pages, no fields', async () => {
    const extraction = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: 'payroll-summary',
    });
    expect(fake.requests[0]?.modelId).toBe('prebuilt-layout');
    expect(extraction).toMatchObject({ category: 'payroll-summary', pages: 2, fields: {}, confidence: 0 });
  });

  it('warns when the file is another form than the one asked for, or holds several', async () => {
    const mismatch = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: '1099-nec',
    });
    expect(mismatch.category).toBe('1099-nec');

    fake.setResult('prebuilt-tax.us.1099NEC', () => {
      const w2 = cannedAnalyzeResults['prebuilt-tax.us.w2']!();
      const nec = cannedAnalyzeResults['prebuilt-tax.us.1099NEC']!();
      return {
        ...nec,
        documents: [
          ...(nec.documents ?? []),
          ...(w2.documents ?? []).map((d) => ({ ...d, confidence: 0.5 })),
        ],
      };
    });
    const two = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: '1099-nec',
    });
    expect(two.warnings).toEqual([
      'The file holds 2 documents (1099-NEC, W-2); fields are from the 1099-NEC only. Upload the others separately.',
    ]);

    fake.setResult('prebuilt-tax.us.1099NEC', cannedAnalyzeResults['prebuilt-tax.us.w2']!);
    const other = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: '1099-nec',
    });
    expect(other.category).toBe('w2');
    expect(other.warnings).toEqual(['This looks like a W-2, not the 1099-NEC that was asked for.']);
    fake.setResult('prebuilt-tax.us.1099NEC', cannedAnalyzeResults['prebuilt-tax.us.1099NEC']!);
  });

  it('honours Retry-After between polls', async () => {
    const slowFake = await startDocumentIntelligenceFake({ apiKey, runningPolls: 1, retryAfterSeconds: 1 });
    try {
      const started = Date.now();
      await createAzureDocumentAi({ endpoint: slowFake.endpoint, key: apiKey }).analyze({
        content: pdf,
        contentType: 'application/pdf',
        category: 'w2',
      });
      // 1 s after the 202, 1 s after the running poll.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
      expect(slowFake.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'GET']);
    } finally {
      await slowFake.close();
    }
  });

  it('recovers from throttling: waits the Retry-After of a 429 on submit and on poll, then succeeds', async () => {
    fake.inject(
      { on: 'analyze', status: 429, retryAfterSeconds: 1, times: 1 },
      { on: 'poll', status: 429, retryAfterSeconds: 0, times: 2 },
    );
    const started = Date.now();
    const extraction = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: 'w2',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(value(extraction, 'WagesTipsAndOtherCompensation')).toBe(85250);
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET', 'GET', 'GET', 'GET', 'GET']);
  });

  it('retries 5xx answers with backoff and succeeds when the service recovers', async () => {
    fake.inject({ on: 'analyze', status: 503, times: 2 }, { on: 'poll', status: 500, times: 1 });
    const extraction = await adapter().analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: 'w2',
    });
    expect(value(extraction, 'EmployerName')).toBe('Sample Employer LLC');
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  });

  it('gives up after a bounded number of tries with a retryable, readable error', async () => {
    fake.inject({ on: 'analyze', status: 503, times: 10 });
    const error = await failureOf(
      adapter({ maxAttempts: 3 }).analyze({ content: pdf, contentType: 'application/pdf', category: 'w2' }),
    );
    expect(error).toMatchObject({
      kind: 'unavailable',
      retryable: true,
      status: 503,
      code: 'ServiceUnavailable',
    });
    expect(error.message).toBe(
      'Document Intelligence is unavailable (HTTP 503 ServiceUnavailable) (gave up after 3 tries)',
    );
    expect(fake.requests).toHaveLength(3);
  });

  it('hands a long Retry-After back to the caller at once instead of waiting inside the call', async () => {
    fake.inject({ on: 'analyze', status: 429, retryAfterSeconds: 120 });
    const started = Date.now();
    const error = await failureOf(
      adapter().analyze({ content: pdf, contentType: 'application/pdf', category: 'w2' }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ kind: 'throttled', retryable: true, retryAfterMs: 120_000, status: 429 });
    expect(error.message).toBe(
      'Document Intelligence is throttling requests (HTTP 429); it asked to wait 2 min',
    );
    expect(fake.requests).toHaveLength(1);
  });

  it('surfaces a failed operation as a retryable analysis failure', async () => {
    fake.inject({
      on: 'poll',
      operationError: { code: 'InternalServerError', message: 'An unexpected error occurred.' },
    });
    const error = await failureOf(
      adapter().analyze({ content: pdf, contentType: 'application/pdf', category: 'w2' }),
    );
    expect(error).toMatchObject({ kind: 'analysis_failed', retryable: true, code: 'InternalServerError' });
    expect(error.message).toBe('Document Intelligence failed to analyze the document (InternalServerError)');
  });

  it('surfaces a failed operation on unreadable content as a non-retryable bad document', async () => {
    fake.inject({
      on: 'poll',
      operationError: {
        code: 'InvalidRequest',
        message: 'Invalid request.',
        innererror: { code: 'InvalidContent', message: 'The file is corrupted or format is unsupported.' },
      },
    });
    const error = await failureOf(
      adapter().analyze({ content: pdf, contentType: 'application/pdf', category: 'w2' }),
    );
    expect(error).toMatchObject({
      kind: 'bad_document',
      retryable: false,
      code: 'InvalidRequest/InvalidContent',
    });
  });

  it('rejects a file that is not a document (400 InvalidContent) without retrying', async () => {
    const error = await failureOf(
      adapter().analyze({
        content: new TextEncoder().encode('just some text pretending to be a PDF'),
        contentType: 'application/pdf',
        category: 'w2',
      }),
    );
    expect(error).toMatchObject({
      kind: 'bad_document',
      retryable: false,
      status: 400,
      code: 'InvalidRequest/InvalidContent',
    });
    expect(error.message).toContain('could not read the file');
    expect(fake.requests).toHaveLength(1);

    const truncated = await failureOf(
      adapter().analyze({ content: pdf.subarray(0, 2000), contentType: 'application/pdf', category: 'w2' }),
    );
    expect(truncated).toMatchObject({
      kind: 'bad_document',
      retryable: false,
      code: 'InvalidRequest/InvalidContent',
    });
  });

  it('refuses media types the models cannot read before calling the service', async () => {
    const error = await failureOf(
      adapter().analyze({ content: pdf, contentType: 'image/gif', category: 'w2' }),
    );
    expect(error).toMatchObject({ kind: 'unsupported_type', retryable: false });
    expect(error.message).toBe(
      'Document Intelligence cannot read files of type image/gif; upload a PDF or an image (JPEG, PNG, TIFF, BMP, HEIF).',
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('fails fast on a bad key with a message telling ops what to fix, and never sends the key anywhere else', async () => {
    const error = await failureOf(
      createAzureDocumentAi({ endpoint: fake.endpoint, key: 'wrong-key-0000000000000000' }).analyze({
        content: pdf,
        contentType: 'application/pdf',
        category: 'w2',
      }),
    );
    expect(error).toMatchObject({ kind: 'authentication', retryable: false, status: 401 });
    expect(error.message).toBe(
      "Document Intelligence refused the platform's credentials (HTTP 401). Ops: check AZURE_DOCUMENT_INTELLIGENCE_KEY and AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT (the key must belong to that resource), restart the worker, then retry the document.",
    );
    expect(error.message).not.toContain('wrong-key');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.authenticated).toBe(false);
  });

  it('reports a model the resource does not offer as a non-retryable configuration error', async () => {
    const regional = await startDocumentIntelligenceFake({
      apiKey,
      retryAfterSeconds: 0,
      models: ['prebuilt-layout'],
    });
    try {
      const error = await failureOf(
        createAzureDocumentAi({ endpoint: regional.endpoint, key: apiKey }).analyze({
          content: pdf,
          contentType: 'application/pdf',
          category: 'w2',
        }),
      );
      expect(error).toMatchObject({
        kind: 'configuration',
        retryable: false,
        status: 404,
        code: 'NotFound/ModelNotFound',
      });
      expect(error.message).toContain('Ops: check AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT');
      expect(regional.requests).toHaveLength(1);
    } finally {
      await regional.close();
    }
  });

  it('times out a request that does not answer, retries it, and reports a timeout when none answers', async () => {
    fake.inject({ on: 'poll', delayMs: 400, times: 1 });
    const recovered = await adapter({ requestTimeoutMs: 200 }).analyze({
      content: pdf,
      contentType: 'application/pdf',
      category: 'w2',
    });
    expect(value(recovered, 'EmployerName')).toBe('Sample Employer LLC');

    fake.reset();
    fake.inject({ on: 'analyze', delayMs: 400, times: 5 });
    const error = await failureOf(
      adapter({ requestTimeoutMs: 150, maxAttempts: 2 }).analyze({
        content: pdf,
        contentType: 'application/pdf',
        category: 'w2',
      }),
    );
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    expect(error.message).toBe(
      'Document Intelligence did not answer within 150 ms while submitting the document (gave up after 2 tries)',
    );
  });

  it('gives up on an analysis that runs longer than allowed', async () => {
    const endless = await startDocumentIntelligenceFake({ apiKey, runningPolls: 1000, retryAfterSeconds: 0 });
    try {
      const error = await failureOf(
        createAzureDocumentAi({
          endpoint: endless.endpoint,
          key: apiKey,
          pollIntervalMs: 20,
          maxAnalysisMs: 300,
        }).analyze({
          content: pdf,
          contentType: 'application/pdf',
          category: 'w2',
        }),
      );
      expect(error).toMatchObject({ kind: 'timeout', retryable: true });
      expect(error.message).toBe('Document Intelligence did not finish analyzing the document within 300 ms');
    } finally {
      await endless.close();
    }
  });

  it('stops at once when the caller aborts, with the caller’s reason', async () => {
    const controller = new AbortController();
    const slow = await startDocumentIntelligenceFake({ apiKey, runningPolls: 1000, retryAfterSeconds: 0 });
    try {
      const analysis = createAzureDocumentAi({
        endpoint: slow.endpoint,
        key: apiKey,
        pollIntervalMs: 50,
      }).analyze({
        content: pdf,
        contentType: 'application/pdf',
        category: 'w2',
        signal: controller.signal,
        onProgress: () => {
          if (slow.requests.length >= 3) controller.abort(new Error('activity cancelled'));
        },
      });
      await expect(analysis).rejects.toThrow('activity cancelled');
      const seen = slow.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(slow.requests.length).toBe(seen);
    } finally {
      await slow.close();
    }
  });
});
