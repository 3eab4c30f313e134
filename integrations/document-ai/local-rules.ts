import { lastFourDigits, type TDocumentCategory, type TExtractionField } from './document-ai';
import { catalogField } from './field-catalog';
import { phrasesBelow, phrasesRightOf, polygonOf, type TTextBox } from './local-layout';

/**
 * Rule-based field extraction for the local reader: each field is found by its printed label and read
 * from the text beside or below it, the way a person reads a form. The rules know the W-2, the 1099-INT
 * and bank statements; they recognise the other tax forms by title (so a misfiled upload is noticed)
 * but read no fields from them.
 */

/** Confidence of a value read next to its label from a PDF's own text; OCR scales it down further. */
export const labelledConfidence = 0.6;
/** Confidence of a value found by a weaker cue (a bank's name by its wording). */
export const guessedConfidence = 0.5;

type TValues = Record<string, string | number>;
type TReader = (text: string) => TValues | null;
type TDirection = 'inline' | 'right' | 'below';

interface TRule {
  label: RegExp;
  read: TReader;
  look: TDirection[];
}

interface TFormRules {
  /** Title wording that identifies the form; the more patterns match, the surer the match. */
  detect: RegExp[];
  rules: TRule[];
  /** Lines of a label that wrap onto a second line: skipped, not taken for the value or a stop. */
  continuations?: RegExp[];
  /** Fields found by cues other than a label. */
  extra?: (phrases: TTextBox[]) => Array<{ values: TValues; at: TTextBox; confidence: number }>;
}

// --- Value readers -----------------------------------------------------------------------------------

const moneyPattern = /^[$S]?\s*([-+])?\s*[$S]?\s*\(?(\d{1,3}(?:[,.\s]\d{3})*|\d+)[.,](\d{2})\)?$/;

/** `$ 1,234.56`, `+ $4,200.00`, `-96.80`, OCR's `85.250.00` → a number. */
export function readAmount(text: string): number | null {
  const match = moneyPattern.exec(text.trim());
  if (!match) return null;
  const whole = (match[2] ?? '').replace(/[,.\s]/g, '');
  const amount = Number(`${whole}.${match[3]}`);
  const negative = match[1] === '-' || /^\s*\(.*\)\s*$/.test(text);
  return negative ? -amount : amount;
}

const money =
  (field: string): TReader =>
  (text) => {
    const amount = readAmount(text);
    return amount === null ? null : { [field]: amount };
  };

/** A social security number or TIN, possibly masked (`XXX-XX-1234`); keeps the last four digits only. */
const taxIdLastFour =
  (field: string): TReader =>
  (text) => {
    const match = /(?:\d{3}|[X*•]{3})[-\s]?(?:\d{2}|[X*•]{2})[-\s]?(\d{4})\b|\b\d{2}-\d{3}(\d{4})\b/i.exec(
      text,
    );
    const digits = match?.[1] ?? match?.[2];
    return digits ? { [field]: digits } : null;
  };

/** An employer or payer identification number as printed (`12-3456789`); an SSN-form TIN also counts. */
const taxId =
  (field: string): TReader =>
  (text) => {
    const ein = /\b(\d{2})[-\s]?(\d{7})\b/.exec(text);
    if (ein) return { [field]: `${ein[1]}-${ein[2]}` };
    const ssn = /\b(\d{3})-(\d{2})-(\d{4})\b/.exec(text);
    return ssn ? { [field]: ssn[0] } : null;
  };

/** A name or other free text: has letters, is not an amount or an identifier. */
const words =
  (field: string): TReader =>
  (text) => {
    const value = text.trim().replace(/^[:\s]+/, '');
    if (!/[A-Za-z]{2}/.test(value) || readAmount(value) !== null) return null;
    return { [field]: value };
  };

const accountLastFour =
  (field: string): TReader =>
  (text) => {
    const match = /([*xX•#.\d-]*\d{4})\s*$/.exec(text.trim().replace(/^[:\s]+/, ''));
    const digits = match ? lastFourDigits(match[1] ?? '') : null;
    return digits ? { [field]: digits } : null;
  };

const states = new Set(
  'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP'.split(
    ' ',
  ),
);

const stateCode =
  (field: string): TReader =>
  (text) => {
    const code = /^([A-Z]{2})\b/.exec(text.trim())?.[1];
    return code && states.has(code) ? { [field]: code } : null;
  };

const stateIdNumber =
  (field: string): TReader =>
  (text) => {
    const value = /^([A-Z0-9][A-Z0-9-]{4,})$/.exec(text.trim())?.[1];
    return value && /\d{4}/.test(value) && !states.has(value) ? { [field]: value } : null;
  };

/** A tax year printed right after its label ("For calendar year 2025"). */
const year =
  (field: string): TReader =>
  (text) => {
    const match = /^(20\d{2})\b/.exec(text.trim());
    return match?.[1] ? { [field]: match[1] } : null;
  };

const monthNames = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** `March 1, 2026`, `Mar 1 2026`, `03/01/2026`, `2026-03-01` → `2026-03-01`. */
export function readDate(text: string): string | null {
  const value = text.trim().replace(/[.,]/g, ' ').replace(/\s+/g, ' ');
  const iso = (y: number, m: number, d: number) => {
    const date = new Date(Date.UTC(y, m - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
    return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  };
  let match = /^([A-Za-z]{3,9}) (\d{1,2}) (\d{4})$/.exec(value);
  if (match) {
    const month = monthNames.findIndex((name) => name.startsWith((match?.[1] ?? '').toLowerCase()));
    return month >= 0 && (match[1] ?? '').length >= 3
      ? iso(Number(match[3]), month + 1, Number(match[2]))
      : null;
  }
  match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (match) return iso(Number(match[3]), Number(match[1]), Number(match[2]));
  match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match) return iso(Number(match[1]), Number(match[2]), Number(match[3]));
  return null;
}

/** `March 1, 2026 - March 31, 2026` (or `to`, `through`, an en dash) → start and end dates. */
const dateRange =
  (startField: string, endField: string): TReader =>
  (text) => {
    const parts = text
      .trim()
      .replace(/^[:\s]+/, '')
      .split(/\s+(?:-|–|—|to|through|thru)\s+/i);
    if (parts.length !== 2) return null;
    const start = readDate(parts[0] ?? '');
    const end = readDate(parts[1] ?? '');
    return start && end && start <= end ? { [startField]: start, [endField]: end } : null;
  };

// --- The forms --------------------------------------------------------------------------------------

const apostrophe = `[’'\`]?`;

const formRules: Partial<Record<TDocumentCategory, TFormRules>> = {
  w2: {
    detect: [/Wage and Tax Statement/i, /\bForm\s*W-?2\b/i],
    rules: [
      {
        label: new RegExp(`Employee${apostrophe}s social security number`, 'i'),
        read: taxIdLastFour('EmployeeSsnLast4'),
        look: ['below', 'right'],
      },
      {
        label: /Employer identification number|\bEIN\b/i,
        read: taxId('EmployerEin'),
        look: ['below', 'right'],
      },
      { label: new RegExp(`Employer${apostrophe}s name`, 'i'), read: words('EmployerName'), look: ['below'] },
      {
        label: new RegExp(`Employee${apostrophe}s first name`, 'i'),
        read: words('EmployeeName'),
        look: ['below'],
      },
      {
        label: /^1\s+Wages,? tips,? other comp/i,
        read: money('WagesTipsAndOtherCompensation'),
        look: ['below', 'right'],
      },
      {
        label: /^2\s+Federal income tax withheld/i,
        read: money('FederalIncomeTaxWithheld'),
        look: ['below', 'right'],
      },
      { label: /^3\s+Social security wages/i, read: money('SocialSecurityWages'), look: ['below', 'right'] },
      {
        label: /^4\s+Social security tax withheld/i,
        read: money('SocialSecurityTaxWithheld'),
        look: ['below', 'right'],
      },
      {
        label: /^5\s+Medicare wages and tips/i,
        read: money('MedicareWagesAndTips'),
        look: ['below', 'right'],
      },
      { label: /^6\s+Medicare tax withheld/i, read: money('MedicareTaxWithheld'), look: ['below', 'right'] },
      { label: /^15\s+State\b/i, read: stateCode('State'), look: ['below'] },
      { label: /state ID number/i, read: stateIdNumber('EmployerStateIdNumber'), look: ['below'] },
      { label: /^16\s+State wages/i, read: money('StateWages'), look: ['below', 'right'] },
      { label: /^17\s+State income tax/i, read: money('StateIncomeTax'), look: ['below', 'right'] },
      { label: /Wage and Tax Statement/i, read: year('TaxYear'), look: ['inline'] },
    ],
  },
  '1099-int': {
    detect: [/\b1099-?INT\b/i, /Interest Income/i],
    continuations: [/foreign postal code/i, /telephone no/i],
    rules: [
      { label: new RegExp(`PAYER${apostrophe}S name`, 'i'), read: words('PayerName'), look: ['below'] },
      {
        label: new RegExp(`PAYER${apostrophe}S TIN`, 'i'),
        read: taxId('PayerTin'),
        look: ['below', 'right'],
      },
      {
        label: new RegExp(`RECIPIENT${apostrophe}S TIN`, 'i'),
        read: taxIdLastFour('RecipientTinLast4'),
        look: ['below', 'right'],
      },
      {
        label: new RegExp(`RECIPIENT${apostrophe}S name`, 'i'),
        read: words('RecipientName'),
        look: ['below'],
      },
      { label: /^1\s+Interest income/i, read: money('InterestIncome'), look: ['below', 'right'] },
      {
        label: /^2\s+Early withdrawal penalty/i,
        read: money('EarlyWithdrawalPenalty'),
        look: ['below', 'right'],
      },
      {
        label: /^3\s+Interest on U\.?\s?S\.? Savings Bonds/i,
        read: money('UsSavingsBondInterest'),
        look: ['below', 'right'],
      },
      {
        label: /^4\s+Federal income tax withheld/i,
        read: money('FederalIncomeTaxWithheld'),
        look: ['below', 'right'],
      },
      { label: /calendar year/i, read: year('TaxYear'), look: ['inline'] },
    ],
  },
  'bank-statement': {
    detect: [/statement period/i, /(beginning|opening|previous) balance/i, /(ending|closing|new) balance/i],
    rules: [
      {
        label: /Account holder|Account owner|Prepared for/i,
        read: words('AccountHolderName'),
        look: ['inline', 'right', 'below'],
      },
      {
        label: /Account (?:number|no\.?|#)/i,
        read: accountLastFour('AccountNumberLast4'),
        look: ['inline', 'right', 'below'],
      },
      { label: /Account type/i, read: words('AccountType'), look: ['inline', 'right'] },
      {
        label: /Statement (?:period|dates)/i,
        read: dateRange('StatementStartDate', 'StatementEndDate'),
        look: ['inline', 'right', 'below'],
      },
      {
        label: /(?:Beginning|Opening|Previous|Starting) balance/i,
        read: money('BeginningBalance'),
        look: ['inline', 'right'],
      },
      { label: /(?:Ending|Closing|New) balance/i, read: money('EndingBalance'), look: ['inline', 'right'] },
    ],
    extra: (phrases) => {
      const bank = phrases.find(
        (p) =>
          p.page === 1 &&
          /\b(bank|credit union|savings|trust company|federal credit)\b/i.test(p.text) &&
          !/statement|balance|SAMPLE -/i.test(p.text),
      );
      return bank ? [{ values: { BankName: bank.text }, at: bank, confidence: guessedConfidence }] : [];
    },
  },
  // Recognised by title only, so a misfiled upload is noticed; no fields are read locally.
  '1099-div': { detect: [/\b1099-?DIV\b/i, /Dividends and Distributions/i], rules: [] },
  '1099-misc': { detect: [/\b1099-?MISC\b/i, /Miscellaneous (Income|Information)/i], rules: [] },
  '1099-nec': { detect: [/\b1099-?NEC\b/i, /Nonemployee Compensation/i], rules: [] },
  '1099-b': { detect: [/\b1099-?B\b/i, /Proceeds From Broker/i], rules: [] },
  '1099-r': { detect: [/\b1099-?R\b/i, /Distributions From Pensions/i], rules: [] },
  '1098-e': { detect: [/\b1098-?E\b/i, /Student Loan Interest Statement/i], rules: [] },
  '1098-t': { detect: [/\b1098-?T\b/i, /Tuition Statement/i], rules: [] },
  '1098': { detect: [/\bForm\s*1098\b(?!-)/i, /Mortgage Interest Statement/i], rules: [] },
};

/** The categories whose fields the local reader extracts. */
export const locallyReadCategories: TDocumentCategory[] = Object.entries(formRules)
  .filter(([, form]) => form.rules.length > 0)
  .map(([category]) => category as TDocumentCategory);

/**
 * What the text says the document is: the category whose title wording matches best, or null.
 * A tie goes to the category that was asked for.
 */
export function detectCategory(phrases: TTextBox[], requested: TDocumentCategory): TDocumentCategory | null {
  const text = phrases.map((p) => p.text).join('\n');
  let best: { category: TDocumentCategory; score: number } | null = null;
  for (const [category, form] of Object.entries(formRules) as Array<[TDocumentCategory, TFormRules]>) {
    const score = form.detect.filter((pattern) => pattern.test(text)).length;
    if (score === 0) continue;
    if (!best || score > best.score || (score === best.score && category === requested))
      best = { category, score };
  }
  return best?.category ?? null;
}

/** Reads the fields of a category from the page phrases, with the catalog's names, types and labels. */
export function extractFields(
  category: TDocumentCategory,
  phrases: TTextBox[],
): Record<string, TExtractionField> {
  const form = formRules[category];
  if (!form) return {};
  const fields: Record<string, TExtractionField> = {};
  const isLabel = (p: TTextBox) => form.rules.some((rule) => rule.label.test(p.text));
  const isContinuation = (p: TTextBox) => (form.continuations ?? []).some((pattern) => pattern.test(p.text));

  const record = (values: TValues, at: TTextBox, confidence: number) => {
    for (const [name, value] of Object.entries(values)) {
      if (fields[name]) continue;
      const entry = catalogField(category, name);
      fields[name] = {
        value,
        type: entry?.type ?? (typeof value === 'number' ? 'number' : 'string'),
        confidence: Math.round(Math.min(labelledConfidence, confidence * at.confidence) * 100) / 100,
        ...(entry ? { label: entry.label } : {}),
        page: at.page,
        boundingRegion: polygonOf(at),
      };
    }
  };

  for (const rule of form.rules) {
    for (const label of phrases.filter((p) => rule.label.test(p.text))) {
      const found = readNear(rule, label, phrases, isLabel, isContinuation);
      if (found) {
        record(found.values, found.at, labelledConfidence);
        break;
      }
    }
  }
  for (const { values, at, confidence } of form.extra?.(phrases) ?? []) record(values, at, confidence);
  return fields;
}

/** Reads the value printed after the label in the same phrase (`Statement period: March 1 - 31`). */
function readInline(rule: TRule, text: string): TValues | null {
  const match = rule.label.exec(text);
  if (!match) return null;
  const rest = text.slice(match.index + match[0].length).replace(/^[\s:]+/, '');
  if (!rest) return null;
  const whole = rule.read(rest);
  if (whole) return whole;
  // The value may end the phrase after more words ("Beginning balance on March 1, 2026 $12,345.67").
  const tokens = rest.split(/\s+/);
  for (let count = 1; count <= Math.min(3, tokens.length - 1); count += 1) {
    const values = rule.read(tokens.slice(-count).join(' '));
    if (values) return values;
  }
  return null;
}

function readNear(
  rule: TRule,
  label: TTextBox,
  phrases: TTextBox[],
  isLabel: (p: TTextBox) => boolean,
  isContinuation: (p: TTextBox) => boolean,
): { values: TValues; at: TTextBox } | null {
  for (const direction of rule.look) {
    if (direction === 'inline') {
      const values = readInline(rule, label.text);
      if (values) return { values, at: label };
      continue;
    }
    const candidates = direction === 'right' ? phrasesRightOf(label, phrases) : phrasesBelow(label, phrases);
    for (const candidate of candidates) {
      if (isContinuation(candidate)) continue;
      if (isLabel(candidate)) break;
      const values = rule.read(candidate.text);
      if (values) return { values, at: candidate };
    }
  }
  return null;
}
