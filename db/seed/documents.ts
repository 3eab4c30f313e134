import type { TExtractedField } from '../documents/document.entity';
import type { TClientKind } from '../clients/client.entity';
import type { TEngagementType } from '../engagements/engagement.entity';
import { banks, businessPlaces, businessTrades } from './names';
import type { TRandom } from './random';

/** A kind of document a client uploads: what the checklist asks for, and what a reader extracts. */
export interface TDocumentKind {
  category: string;
  /** The checklist label for a tax year or period. */
  label: (when: string) => string;
  /** A file name as a phone or scanner would produce it (never a client's name). */
  fileStem: (when: string) => string;
  fields: ((random: TRandom, when: string) => TFieldValue[]) | null;
}

type TFieldValue = { name: string; value: string | number | null; page?: number };

const money = (random: TRandom, min: number, max: number) =>
  Math.round(random.int(min * 100, max * 100)) / 100;
const last4 = (random: TRandom) => String(random.int(0, 9999)).padStart(4, '0');
const businessName = (random: TRandom) => `${random.pick(businessPlaces)} ${random.pick(businessTrades)}`;

export const documentKinds: Record<string, TDocumentKind> = {
  w2: {
    category: 'w2',
    label: (year) => `W-2 for ${year} from each employer`,
    fileStem: (year) => `W2_${year}`,
    fields: (random, year) => {
      const wages = money(random, 28_000, 185_000);
      return [
        { name: 'EmployerName', value: `${businessName(random)} Inc.` },
        { name: 'WagesTipsAndOtherCompensation', value: wages },
        { name: 'FederalIncomeTaxWithheld', value: Math.round(wages * random.int(9, 22)) / 100 },
        { name: 'SocialSecurityWages', value: wages },
        { name: 'MedicareWagesAndTips', value: wages },
        { name: 'TaxYear', value: year },
      ];
    },
  },
  '1099-int': {
    category: '1099-int',
    label: (year) => `1099-INT for ${year} from each bank`,
    fileStem: (year) => `1099-INT_${year}`,
    fields: (random, year) => [
      { name: 'PayerName', value: random.pick(banks) },
      { name: 'InterestIncome', value: money(random, 4, 3_200) },
      { name: 'TaxYear', value: year },
    ],
  },
  '1099-div': {
    category: '1099-div',
    label: (year) => `1099-DIV for ${year} from each brokerage`,
    fileStem: (year) => `1099-DIV_${year}`,
    fields: (random, year) => {
      const ordinary = money(random, 50, 9_000);
      return [
        { name: 'PayerName', value: 'Granite Trust Brokerage' },
        { name: 'TotalOrdinaryDividends', value: ordinary },
        { name: 'QualifiedDividends', value: Math.round(ordinary * random.int(40, 95)) / 100 },
        { name: 'TaxYear', value: year },
      ];
    },
  },
  '1099-nec': {
    category: '1099-nec',
    label: (year) => `1099-NEC for ${year} from each payer`,
    fileStem: (year) => `1099-NEC_${year}`,
    fields: (random, year) => [
      { name: 'PayerName', value: `${businessName(random)} LLC` },
      { name: 'NonemployeeCompensation', value: money(random, 600, 48_000) },
      { name: 'TaxYear', value: year },
    ],
  },
  '1098': {
    category: '1098',
    label: (year) => `Mortgage interest statement (1098) for ${year}`,
    fileStem: (year) => `1098_${year}`,
    fields: (random, year) => [
      { name: 'LenderName', value: random.pick(banks) },
      { name: 'MortgageInterestReceived', value: money(random, 1_800, 24_000) },
      { name: 'OutstandingMortgagePrincipal', value: money(random, 60_000, 720_000) },
      { name: 'TaxYear', value: year },
    ],
  },
  'prior-year-return': {
    category: 'prior-year-return',
    label: (year) => `Prior-year return (${Number(year) - 1})`,
    fileStem: (year) => `return_${Number(year) - 1}`,
    fields: null,
  },
  'bank-statement': {
    category: 'bank-statement',
    label: (when) => `Bank statement for ${when}`,
    fileStem: (when) => `statement_${when}`,
    fields: (random, when) => {
      const opening = money(random, 2_000, 240_000);
      return [
        { name: 'BankName', value: random.pick(banks) },
        { name: 'AccountNumberLast4', value: last4(random) },
        { name: 'StatementPeriod', value: when },
        { name: 'BeginningBalance', value: opening },
        {
          name: 'EndingBalance',
          value: Math.round((opening + money(random, -9_000, 12_000)) * 100) / 100,
          page: 3,
        },
      ];
    },
  },
  'credit-card-statement': {
    category: 'credit-card-statement',
    label: (when) => `Credit card statement for ${when}`,
    fileStem: (when) => `card_${when}`,
    fields: (random, when) => [
      { name: 'Issuer', value: random.pick(banks) },
      { name: 'AccountNumberLast4', value: last4(random) },
      { name: 'StatementPeriod', value: when },
      { name: 'NewBalance', value: money(random, 80, 18_000), page: 2 },
    ],
  },
  receipts: {
    category: 'receipts',
    label: (when) => `Receipts for ${when}`,
    fileStem: (when) => `receipts_${when}`,
    fields: null,
  },
  'payroll-summary': {
    category: 'payroll-summary',
    label: (year) => `Payroll summary for ${year}`,
    fileStem: (year) => `payroll_${year}`,
    fields: null,
  },
  'engagement-letter': {
    category: 'engagement-letter',
    label: () => 'Signed engagement letter',
    fileStem: () => 'engagement_letter_signed',
    fields: null,
  },
  'id-document': {
    category: 'id-document',
    label: () => 'Photo ID',
    fileStem: () => 'id_scan',
    fields: null,
  },
};

/** Which documents an engagement of this type asks a client of this kind for, most common first. */
export function documentCategoriesFor(type: TEngagementType, kind: TClientKind): string[] {
  switch (type) {
    case 'client_onboarding':
      return ['engagement-letter', 'prior-year-return', 'id-document'];
    case 'monthly_close':
      return ['bank-statement', 'credit-card-statement', 'receipts'];
    case 'tax_return':
    case 'document_intake':
      return kind === 'individual'
        ? ['w2', '1099-int', '1098', '1099-div', '1099-nec', 'prior-year-return']
        : ['bank-statement', 'payroll-summary', '1099-nec', 'prior-year-return'];
  }
}

/**
 * The fields a reader would extract from a document of this category, each with a confidence and the
 * page it was found on. With `lowConfidence`, one or two fields fall below a typical review threshold.
 */
export function extractedFieldsFor(
  random: TRandom,
  category: string,
  when: string,
  lowConfidence: boolean,
): TExtractedField[] {
  const kind = documentKinds[category];
  if (!kind?.fields) return [];
  const values = kind.fields(random, when);
  const doubtful = new Set<number>();
  if (lowConfidence) {
    doubtful.add(random.int(0, values.length - 1));
    if (random.chance(0.4)) doubtful.add(random.int(0, values.length - 1));
  }
  return values.map((field, index) => {
    const x = random.int(5, 60) / 10;
    const y = random.int(5, 95) / 10;
    const width = random.int(8, 25) / 10;
    return {
      name: field.name,
      value: field.value,
      confidence: doubtful.has(index) ? random.int(35, 74) / 100 : random.int(86, 99) / 100,
      page: field.page ?? 1,
      boundingRegion: [x, y, x + width, y, x + width, y + 0.3, x, y + 0.3].map(
        (n) => Math.round(n * 10) / 10,
      ),
    };
  });
}
