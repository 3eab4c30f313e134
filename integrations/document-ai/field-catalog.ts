import type { TDocumentCategory, TExtractionFieldType } from './document-ai';

/**
 * The platform's field names per document category, shared by every reader. The Azure adapter maps
 * Document Intelligence's field paths to them (`Employer.Name` → `EmployerName`,
 * `Transactions.0.Box1` of a 1099-INT → `InterestIncome`); the local reader produces them directly.
 * Identifiers (SSNs, TINs, account numbers) are kept as their last four digits only.
 */
export interface TCatalogField {
  name: string;
  label: string;
  type: TExtractionFieldType;
  /** Document Intelligence field paths (array items by index), first match wins. */
  azure: readonly string[];
  /** A complete extraction of this category has it; without it the document goes to review. */
  required?: boolean;
}

const money = (name: string, label: string, azure: string[], required = false): TCatalogField => ({
  name,
  label,
  type: 'currency',
  azure,
  required,
});

const text = (name: string, label: string, azure: string[], required = false): TCatalogField => ({
  name,
  label,
  type: 'string',
  azure,
  required,
});

const lastFour = (name: string, label: string, azure: string[]): TCatalogField => ({
  name,
  label,
  type: 'masked-id',
  azure,
});

const date = (name: string, label: string, azure: string[], required = false): TCatalogField => ({
  name,
  label,
  type: 'date',
  azure,
  required,
});

const taxYear = text('TaxYear', 'Tax year', ['TaxYear']);

/** Payer and recipient blocks of the 1099 family. */
const form1099Parties = [
  text('PayerName', "Payer's name", ['Payer.Name'], true),
  text('PayerTin', "Payer's TIN", ['Payer.TIN']),
  text('RecipientName', "Recipient's name", ['Recipient.Name']),
  lastFour('RecipientTinLast4', "Recipient's TIN (last four)", ['Recipient.TIN']),
];

export const fieldCatalog: Partial<Record<TDocumentCategory, readonly TCatalogField[]>> = {
  w2: [
    taxYear,
    text('EmployerName', "Employer's name (box c)", ['Employer.Name'], true),
    text('EmployerEin', 'Employer identification number (box b)', ['Employer.IdNumber'], true),
    {
      name: 'EmployerAddress',
      label: "Employer's address (box c)",
      type: 'address',
      azure: ['Employer.Address'],
    },
    text('EmployeeName', "Employee's name (box e)", ['Employee.Name']),
    lastFour('EmployeeSsnLast4', "Employee's SSN (box a, last four)", ['Employee.SocialSecurityNumber']),
    money(
      'WagesTipsAndOtherCompensation',
      'Box 1: Wages, tips, other compensation',
      ['WagesTipsAndOtherCompensation'],
      true,
    ),
    money(
      'FederalIncomeTaxWithheld',
      'Box 2: Federal income tax withheld',
      ['FederalIncomeTaxWithheld'],
      true,
    ),
    money('SocialSecurityWages', 'Box 3: Social security wages', ['SocialSecurityWages']),
    money('SocialSecurityTaxWithheld', 'Box 4: Social security tax withheld', ['SocialSecurityTaxWithheld']),
    money('MedicareWagesAndTips', 'Box 5: Medicare wages and tips', ['MedicareWagesAndTips']),
    money('MedicareTaxWithheld', 'Box 6: Medicare tax withheld', ['MedicareTaxWithheld']),
    text('State', 'Box 15: State', ['StateTaxInfos.0.State']),
    text('EmployerStateIdNumber', "Box 15: Employer's state ID number", [
      'StateTaxInfos.0.EmployerStateIdNumber',
    ]),
    money('StateWages', 'Box 16: State wages, tips, etc.', ['StateTaxInfos.0.StateWagesTipsEtc']),
    money('StateIncomeTax', 'Box 17: State income tax', ['StateTaxInfos.0.StateIncomeTax']),
  ],
  '1099-int': [
    taxYear,
    ...form1099Parties,
    money('InterestIncome', 'Box 1: Interest income', ['Transactions.0.Box1'], true),
    money('EarlyWithdrawalPenalty', 'Box 2: Early withdrawal penalty', ['Transactions.0.Box2']),
    money('UsSavingsBondInterest', 'Box 3: Interest on U.S. Savings Bonds and Treasury obligations', [
      'Transactions.0.Box3',
    ]),
    money('FederalIncomeTaxWithheld', 'Box 4: Federal income tax withheld', ['Transactions.0.Box4']),
  ],
  '1099-div': [
    taxYear,
    ...form1099Parties,
    money('TotalOrdinaryDividends', 'Box 1a: Total ordinary dividends', ['Transactions.0.Box1a'], true),
    money('QualifiedDividends', 'Box 1b: Qualified dividends', ['Transactions.0.Box1b']),
    money('TotalCapitalGainDistributions', 'Box 2a: Total capital gain distributions', [
      'Transactions.0.Box2a',
    ]),
    money('FederalIncomeTaxWithheld', 'Box 4: Federal income tax withheld', ['Transactions.0.Box4']),
  ],
  '1099-misc': [
    taxYear,
    ...form1099Parties,
    money('Rents', 'Box 1: Rents', ['Box1']),
    money('Royalties', 'Box 2: Royalties', ['Box2']),
    money('OtherIncome', 'Box 3: Other income', ['Box3']),
    money('FederalIncomeTaxWithheld', 'Box 4: Federal income tax withheld', ['Box4']),
  ],
  '1099-nec': [
    taxYear,
    ...form1099Parties,
    money('NonemployeeCompensation', 'Box 1: Nonemployee compensation', ['Box1'], true),
    money('FederalIncomeTaxWithheld', 'Box 4: Federal income tax withheld', ['Box4']),
  ],
  '1099-b': [
    taxYear,
    ...form1099Parties,
    money('TotalProceeds', 'Total proceeds', ['Summary.0.TotalProceeds'], true),
    money('TotalCostBasis', 'Total cost basis', ['Summary.0.TotalCostBasis']),
    money('TotalRealizedGainOrLoss', 'Total realized gain or loss', ['Summary.0.TotalRealizedGainOrLoss']),
    money('FederalIncomeTaxWithheld', 'Total federal income tax withheld', [
      'Summary.0.TotalFederalIncomeTaxWithheld',
    ]),
  ],
  '1099-r': [
    taxYear,
    ...form1099Parties,
    money('GrossDistribution', 'Box 1: Gross distribution', ['Box1'], true),
    money('TaxableAmount', 'Box 2a: Taxable amount', ['Box2a']),
    money('FederalIncomeTaxWithheld', 'Box 4: Federal income tax withheld', ['Box4']),
    text('DistributionCode', 'Box 7: Distribution code', ['Box7']),
  ],
  '1098': [
    taxYear,
    text('LenderName', "Lender's name", ['Lender.Name'], true),
    text('LenderTin', "Lender's TIN", ['Lender.TIN']),
    text('BorrowerName', "Borrower's name", ['Borrower.Name']),
    lastFour('BorrowerTinLast4', "Borrower's TIN (last four)", ['Borrower.TIN']),
    money('MortgageInterestReceived', 'Box 1: Mortgage interest received', ['MortgageInterest'], true),
    money('OutstandingMortgagePrincipal', 'Box 2: Outstanding mortgage principal', [
      'OutstandingMortgagePrincipal',
    ]),
    date('MortgageOriginationDate', 'Box 3: Mortgage origination date', ['MortgageOriginationDate']),
    money('MortgageInsurancePremiums', 'Box 5: Mortgage insurance premiums', ['MortgageInsurancePremium']),
    money('RealEstateTax', 'Real estate tax', ['RealEstateTax']),
  ],
  '1098-e': [
    taxYear,
    text('LenderName', "Lender's name", ['Lender.Name'], true),
    text('LenderTin', "Lender's TIN", ['Lender.TIN']),
    text('BorrowerName', "Borrower's name", ['Borrower.Name']),
    lastFour('BorrowerTinLast4', "Borrower's TIN (last four)", ['Borrower.TIN']),
    money('StudentLoanInterest', 'Box 1: Student loan interest received', ['StudentLoanInterest'], true),
  ],
  '1098-t': [
    taxYear,
    text('FilerName', "Filer's (school's) name", ['Filer.Name'], true),
    text('FilerTin', "Filer's TIN", ['Filer.TIN']),
    text('StudentName', "Student's name", ['Student.Name']),
    lastFour('StudentTinLast4', "Student's TIN (last four)", ['Student.TIN']),
    money('PaymentsReceived', 'Box 1: Payments received for qualified tuition', ['PaymentReceived'], true),
    money('Scholarships', 'Box 5: Scholarships or grants', ['Scholarships']),
  ],
  'bank-statement': [
    text('BankName', 'Bank', ['BankName'], true),
    text('AccountHolderName', 'Account holder', ['AccountHolderName']),
    lastFour('AccountNumberLast4', 'Account number (last four)', ['Accounts.0.AccountNumber']),
    text('AccountType', 'Account type', ['Accounts.0.AccountType']),
    date('StatementStartDate', 'Statement period start', ['StatementStartDate'], true),
    date('StatementEndDate', 'Statement period end', ['StatementEndDate'], true),
    money('BeginningBalance', 'Opening balance', ['Accounts.0.BeginningBalance'], true),
    money('EndingBalance', 'Closing balance', ['Accounts.0.EndingBalance'], true),
  ],
  invoice: [
    text('VendorName', 'Vendor', ['VendorName'], true),
    text('CustomerName', 'Customer', ['CustomerName']),
    text('InvoiceId', 'Invoice number', ['InvoiceId']),
    date('InvoiceDate', 'Invoice date', ['InvoiceDate']),
    date('DueDate', 'Due date', ['DueDate']),
    money('SubTotal', 'Subtotal', ['SubTotal']),
    money('TotalTax', 'Tax', ['TotalTax']),
    money('InvoiceTotal', 'Invoice total', ['InvoiceTotal'], true),
    money('AmountDue', 'Amount due', ['AmountDue']),
  ],
  receipts: [
    text('MerchantName', 'Merchant', ['MerchantName'], true),
    date('TransactionDate', 'Date', ['TransactionDate']),
    money('Subtotal', 'Subtotal', ['Subtotal']),
    money('TotalTax', 'Tax', ['TotalTax']),
    money('Tip', 'Tip', ['Tip']),
    money('Total', 'Total', ['Total'], true),
  ],
};

/** The catalog entry of a field, when the category has one by that name. */
export function catalogField(category: TDocumentCategory, name: string): TCatalogField | undefined {
  return fieldCatalog[category]?.find((field) => field.name === name);
}

/** Fields a complete extraction of this category must have; none for categories without a catalog. */
export function requiredFieldsFor(category: TDocumentCategory): string[] {
  return (fieldCatalog[category] ?? []).filter((field) => field.required).map((field) => field.name);
}

/** A category's display name for messages ("W-2", "1099-INT", "bank statement"). */
export function categoryLabel(category: TDocumentCategory): string {
  switch (category) {
    case 'w2':
      return 'W-2';
    case 'bank-statement':
    case 'credit-card-statement':
    case 'payroll-summary':
    case 'prior-year-return':
    case 'engagement-letter':
    case 'id-document':
    case 'unknown-tax-form':
      return category.replace(/-/g, ' ');
    case 'receipts':
      return 'receipt';
    case 'invoice':
    case 'other':
      return category;
    default:
      return category.toUpperCase();
  }
}
