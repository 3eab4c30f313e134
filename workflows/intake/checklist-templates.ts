/**
 * The document checklist a firm starts from, per engagement type (pure: safe in workflows and the web).
 * Staff add and waive items while the intake runs; the template is only the starting point.
 */

/**
 * What a requested document is. The same names as the document-AI port's categories
 * (`integrations/document-ai/document-ai.ts`), so a checklist item's category chooses the reader's model.
 */
export const checklistCategories = [
  'w2',
  '1099-int',
  '1099-div',
  '1099-misc',
  '1099-nec',
  '1099-b',
  '1099-r',
  '1098',
  '1098-e',
  '1098-t',
  'bank-statement',
  'credit-card-statement',
  'invoice',
  'receipts',
  'payroll-summary',
  'prior-year-return',
  'engagement-letter',
  'id-document',
  'unknown-tax-form',
  'other',
] as const;
export type TChecklistCategory = (typeof checklistCategories)[number];

/** What staff call each category, for forms and default labels. */
export const checklistCategoryLabels: Record<TChecklistCategory, string> = {
  w2: 'Form W-2 (wages)',
  '1099-int': 'Form 1099-INT (interest)',
  '1099-div': 'Form 1099-DIV (dividends)',
  '1099-misc': 'Form 1099-MISC',
  '1099-nec': 'Form 1099-NEC (contract work)',
  '1099-b': 'Form 1099-B (brokerage)',
  '1099-r': 'Form 1099-R (retirement distributions)',
  '1098': 'Form 1098 (mortgage interest)',
  '1098-e': 'Form 1098-E (student loan interest)',
  '1098-t': 'Form 1098-T (tuition)',
  'bank-statement': 'Bank statement',
  'credit-card-statement': 'Credit card statement',
  invoice: 'Invoice',
  receipts: 'Receipts',
  'payroll-summary': 'Payroll summary',
  'prior-year-return': "Last year's tax return",
  'engagement-letter': 'Signed engagement letter',
  'id-document': 'Photo ID',
  'unknown-tax-form': 'Other tax form',
  other: 'Other document',
};

export function isChecklistCategory(value: string): value is TChecklistCategory {
  return (checklistCategories as readonly string[]).includes(value);
}

export interface TChecklistItemTemplate {
  /** Unique within the engagement; staff-added items get `staff-<n>`. */
  key: string;
  category: TChecklistCategory;
  label: string;
  required: boolean;
  /** A hint for the client, shown next to the item in the portal. */
  note?: string;
}

/** The engagement types intake starts a checklist for. */
export const checklistTemplateTypes = ['document_intake', 'tax_return', 'monthly_close'] as const;
export type TChecklistTemplateType = (typeof checklistTemplateTypes)[number];

export interface TChecklistContext {
  clientKind: 'individual' | 'business';
  /** Tax engagements: the tax year. */
  taxYear?: number;
  /** Monthly close: the period as yyyy-mm. */
  period?: string;
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** `2026-03` → "March 2026"; anything else as given. */
export function periodLabel(period: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(period);
  const month = match ? monthNames[Number(match[2]) - 1] : undefined;
  return match && month ? `${month} ${match[1]}` : period;
}

/** The starting checklist for an engagement. */
export function checklistTemplate(
  type: TChecklistTemplateType,
  context: TChecklistContext,
): TChecklistItemTemplate[] {
  const year = context.taxYear ? ` for ${context.taxYear}` : '';
  switch (type) {
    case 'tax_return':
      return context.clientKind === 'individual'
        ? [
            {
              key: 'w2',
              category: 'w2',
              label: `Form W-2${year} from each employer`,
              required: true,
              note: 'One upload per employer. Your employer sends it by the end of January.',
            },
            {
              key: '1099-int',
              category: '1099-int',
              label: `Form 1099-INT${year} (bank interest)`,
              required: false,
              note: 'Only if a bank paid you $10 or more in interest.',
            },
            {
              key: '1099-div',
              category: '1099-div',
              label: `Form 1099-DIV${year} (dividends)`,
              required: false,
            },
            {
              key: '1098',
              category: '1098',
              label: `Form 1098${year} (mortgage interest)`,
              required: false,
              note: 'Only if you pay a mortgage.',
            },
            {
              key: 'prior-year-return',
              category: 'prior-year-return',
              label: context.taxYear ? `Your ${context.taxYear - 1} tax return` : "Last year's tax return",
              required: true,
              note: 'Skip it if our firm prepared it: tell us and we will waive it.',
            },
            {
              key: 'id-document',
              category: 'id-document',
              label: "Driver's license or passport",
              required: true,
              note: 'The IRS asks us to verify your identity before e-filing.',
            },
          ]
        : [
            {
              key: 'bank-statement',
              category: 'bank-statement',
              label: `December bank statement${year} for every business account`,
              required: true,
            },
            {
              key: 'payroll-summary',
              category: 'payroll-summary',
              label: `Annual payroll summary${year}`,
              required: false,
              note: 'Only if the business had employees.',
            },
            {
              key: '1099-nec',
              category: '1099-nec',
              label: `Forms 1099-NEC${year} the business received`,
              required: false,
            },
            {
              key: 'prior-year-return',
              category: 'prior-year-return',
              label: context.taxYear
                ? `The business's ${context.taxYear - 1} tax return`
                : "The business's last tax return",
              required: true,
            },
          ];
    case 'monthly_close': {
      const period = context.period ? ` for ${periodLabel(context.period)}` : '';
      return [
        {
          key: 'bank-statement',
          category: 'bank-statement',
          label: `Bank statement${period}`,
          required: true,
          note: 'The PDF from your bank, every page.',
        },
        {
          key: 'credit-card-statement',
          category: 'credit-card-statement',
          label: `Credit card statement${period}`,
          required: false,
        },
        {
          key: 'receipts',
          category: 'receipts',
          label: `Receipts over $75${period}`,
          required: false,
        },
      ];
    }
    case 'document_intake':
      return [
        {
          key: 'id-document',
          category: 'id-document',
          label: "Driver's license or passport",
          required: true,
        },
        {
          key: 'prior-year-return',
          category: 'prior-year-return',
          label: "Last year's tax return",
          required: true,
        },
      ];
  }
}
