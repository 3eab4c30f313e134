/**
 * A small business's books for a sandbox company: a chart of accounts and a few months of
 * purchases, deposits and journal entries, some left in "Uncategorized Expense" or
 * "Uncategorized Income" as a bookkeeper would find them. Deterministic per realm ID and date.
 */
import { createHash } from 'node:crypto';
import { emptyRealm, recomputeTotals, round2, type TJson, type TRealm, type TSandboxEntity } from './books';

interface TAccountSeed {
  key: string;
  Name: string;
  Classification: 'Asset' | 'Liability' | 'Equity' | 'Revenue' | 'Expense';
  AccountType: string;
  AccountSubType: string;
}

export const chartOfAccounts: TAccountSeed[] = [
  {
    key: 'checking',
    Name: 'Checking',
    Classification: 'Asset',
    AccountType: 'Bank',
    AccountSubType: 'Checking',
  },
  {
    key: 'savings',
    Name: 'Savings',
    Classification: 'Asset',
    AccountType: 'Bank',
    AccountSubType: 'Savings',
  },
  {
    key: 'equipment',
    Name: 'Equipment',
    Classification: 'Asset',
    AccountType: 'Fixed Asset',
    AccountSubType: 'MachineryAndEquipment',
  },
  {
    key: 'visa',
    Name: 'Visa Card',
    Classification: 'Liability',
    AccountType: 'Credit Card',
    AccountSubType: 'CreditCard',
  },
  {
    key: 'loan',
    Name: 'Equipment Loan',
    Classification: 'Liability',
    AccountType: 'Long Term Liability',
    AccountSubType: 'NotesPayable',
  },
  {
    key: 'openingEquity',
    Name: 'Opening Balance Equity',
    Classification: 'Equity',
    AccountType: 'Equity',
    AccountSubType: 'OpeningBalanceEquity',
  },
  {
    key: 'ownerDraw',
    Name: "Owner's Draw",
    Classification: 'Equity',
    AccountType: 'Equity',
    AccountSubType: 'OwnersEquity',
  },
  {
    key: 'services',
    Name: 'Services',
    Classification: 'Revenue',
    AccountType: 'Income',
    AccountSubType: 'ServiceFeeIncome',
  },
  {
    key: 'uncategorizedIncome',
    Name: 'Uncategorized Income',
    Classification: 'Revenue',
    AccountType: 'Income',
    AccountSubType: 'OtherPrimaryIncome',
  },
  {
    key: 'interest',
    Name: 'Interest Earned',
    Classification: 'Revenue',
    AccountType: 'Other Income',
    AccountSubType: 'InterestEarned',
  },
  {
    key: 'advertising',
    Name: 'Advertising',
    Classification: 'Expense',
    AccountType: 'Expense',
    AccountSubType: 'AdvertisingPromotional',
  },
  {
    key: 'bankCharges',
    Name: 'Bank Charges',
    Classification: 'Expense',
    AccountType: 'Expense',
    AccountSubType: 'BankCharges',
  },
  {
    key: 'meals',
    Name: 'Meals and Entertainment',
    Classification: 'Expense',
    AccountType: 'Expense',
    AccountSubType: 'EntertainmentMeals',
  },
  {
    key: 'office',
    Name: 'Office Supplies',
    Classification: 'Expense',
    AccountType: 'Expense',
    AccountSubType: 'OfficeGeneralAdministrativeExpenses',
  },
  {
    key: 'rent',
    Name: 'Rent or Lease',
    Classification: 'Expense',
    AccountType: 'Expense',
    AccountSubType: 'RentOrLeaseOfBuildings',
  },
  {
    key: 'software',
    Name: 'Software Subscriptions',
    Classification: 'Expense',
    AccountType: 'Expense',
    AccountSubType: 'OfficeGeneralAdministrativeExpenses',
  },
  {
    key: 'utilities',
    Name: 'Utilities',
    Classification: 'Expense',
    AccountType: 'Expense',
    AccountSubType: 'Utilities',
  },
  {
    key: 'uncategorizedExpense',
    Name: 'Uncategorized Expense',
    Classification: 'Expense',
    AccountType: 'Expense',
    AccountSubType: 'OtherMiscellaneousServiceCost',
  },
];

/** A stable numeric ID for a payee name (the sandbox keeps no Vendor or Customer lists). */
function nameId(name: string): string {
  return String(1000 + (createHash('sha256').update(name).digest().readUInt16LE(0) % 9000));
}

/** A pseudo-random sequence from a string seed (mulberry32). */
function randomFrom(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const vendors = {
  rent: 'Harbor Street Properties',
  utilities: 'City Power & Water',
  software: 'CloudDesk Software',
  meals: 'Corner Bistro',
  office: 'Paper & Pen Supply',
  advertising: 'Local Ads Weekly',
  bank: 'First Harbor Bank',
};
const customers = [
  'Lee Bakery LLC',
  'Nguyen Dental',
  'Ortiz Landscaping',
  'Patel Consulting',
  'Rivera Studio',
];
const uncategorizedPayees = [
  'AMZN Mktp US',
  'SQ *Coffee Cart',
  'POS 4411 Hardware',
  'PAYPAL *Transfer',
  'ACH Debit 8812',
];

export interface TSeedOptions {
  /** Months of history, the current month included (3 unless given). */
  months?: number;
  /** "Today" for the seed; transactions are never dated after it. */
  now: Date;
}

/** A company with a chart of accounts and `months` months of transactions up to `now`. */
export function seedRealm(id: string, companyName: string, options: TSeedOptions): TRealm {
  const now = options.now;
  const realm = emptyRealm(id, companyName, now);
  const random = randomFrom(`${id}:${now.toISOString().slice(0, 10)}`);
  const cents = (min: number, max: number) => round2(min + random() * (max - min));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const months = Math.max(1, Math.min(24, options.months ?? 3));
  const today = now.toISOString().slice(0, 10);

  const accountIds: Record<string, string> = {};
  const ref = (key: string): TJson => {
    const accountId = accountIds[key];
    const account = accountId ? realm.entities.Account[accountId] : undefined;
    return { value: accountId ?? '', name: typeof account?.Name === 'string' ? account.Name : '' };
  };
  const stamp = (date: string) => {
    const time = `${date}T12:00:00.000Z` < now.toISOString() ? `${date}T12:00:00.000Z` : now.toISOString();
    return { CreateTime: time, LastUpdatedTime: time };
  };
  const add = (kind: TSandboxEntity, body: TJson, date: string) => {
    const entityId = String(realm.nextId++);
    const entity: TJson = {
      ...body,
      domain: 'QBO',
      sparse: false,
      Id: entityId,
      SyncToken: '0',
      MetaData: stamp(date),
    };
    recomputeTotals(kind, entity);
    realm.entities[kind][entityId] = entity;
    return entity;
  };

  for (const seedAccount of chartOfAccounts) {
    const { key, ...fields } = seedAccount;
    const account = add(
      'Account',
      {
        ...fields,
        FullyQualifiedName: fields.Name,
        SubAccount: false,
        Active: true,
        CurrencyRef: { value: 'USD', name: 'United States Dollar' },
      },
      realm.createdAt.slice(0, 10),
    );
    accountIds[key] = String(account.Id);
  }

  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1));
  const day = (year: number, month: number, d: number) => {
    const date = new Date(Date.UTC(year, month, d)).toISOString().slice(0, 10);
    return date <= today ? date : undefined;
  };
  const usd = { value: 'USD', name: 'United States Dollar' };
  const purchase = (
    date: string | undefined,
    from: 'checking' | 'visa',
    payee: string,
    account: string,
    amount: number,
    memo: string,
  ) => {
    if (!date) return;
    add(
      'Purchase',
      {
        TxnDate: date,
        PaymentType: from === 'visa' ? 'CreditCard' : 'Check',
        AccountRef: ref(from),
        EntityRef: { value: nameId(payee), name: payee, type: 'Vendor' },
        CurrencyRef: usd,
        PrivateNote: memo,
        Line: [
          {
            Id: '1',
            Description: memo,
            Amount: amount,
            DetailType: 'AccountBasedExpenseLineDetail',
            AccountBasedExpenseLineDetail: { AccountRef: ref(account), BillableStatus: 'NotBillable' },
          },
        ],
      },
      date,
    );
  };
  const deposit = (
    date: string | undefined,
    to: 'checking' | 'savings',
    payer: string,
    account: string,
    amount: number,
    memo: string,
  ) => {
    if (!date) return;
    add(
      'Deposit',
      {
        TxnDate: date,
        DepositToAccountRef: ref(to),
        CurrencyRef: usd,
        PrivateNote: memo,
        Line: [
          {
            Id: '1',
            LineNum: 1,
            Description: memo,
            Amount: amount,
            DetailType: 'DepositLineDetail',
            DepositLineDetail: {
              AccountRef: ref(account),
              Entity: { value: nameId(payer), name: payer, type: 'Customer' },
            },
          },
        ],
      },
      date,
    );
  };
  const journal = (
    date: string | undefined,
    memo: string,
    entries: [key: string, side: 'Debit' | 'Credit', amount: number][],
  ) => {
    if (!date) return;
    add(
      'JournalEntry',
      {
        TxnDate: date,
        PrivateNote: memo,
        Adjustment: false,
        CurrencyRef: usd,
        Line: entries.map(([key, side, amount], index) => ({
          Id: String(index),
          Description: memo,
          Amount: amount,
          DetailType: 'JournalEntryLineDetail',
          JournalEntryLineDetail: { PostingType: side, AccountRef: ref(key) },
        })),
      },
      date,
    );
  };

  const y0 = first.getUTCFullYear();
  const m0 = first.getUTCMonth();
  journal(day(y0, m0, 1), 'Opening balances', [
    ['checking', 'Debit', 24_500],
    ['savings', 'Debit', 10_000],
    ['equipment', 'Debit', 18_000],
    ['loan', 'Credit', 15_000],
    ['openingEquity', 'Credit', 37_500],
  ]);

  for (let i = 0; i < months; i++) {
    const year = new Date(Date.UTC(y0, m0 + i, 1)).getUTCFullYear();
    const month = new Date(Date.UTC(y0, m0 + i, 1)).getUTCMonth();
    purchase(day(year, month, 1), 'checking', vendors.rent, 'rent', 2_400, 'Office rent');
    purchase(
      day(year, month, 4),
      'visa',
      vendors.software,
      'software',
      149,
      'Practice software subscription',
    );
    purchase(
      day(year, month, 9),
      'checking',
      vendors.utilities,
      'utilities',
      cents(180, 260),
      'Electricity and water',
    );
    purchase(day(year, month, 12), 'visa', vendors.meals, 'meals', cents(40, 120), 'Client lunch');
    purchase(
      day(year, month, 17),
      'visa',
      vendors.office,
      'office',
      cents(60, 210),
      'Printer paper and toner',
    );
    if (i % 2 === 0)
      purchase(day(year, month, 20), 'visa', vendors.advertising, 'advertising', 350, 'Newspaper ad');
    purchase(day(year, month, 28), 'checking', vendors.bank, 'bankCharges', 15, 'Monthly service fee');
    for (let u = 0; u < 2 + (i % 2); u++) {
      purchase(
        day(year, month, 6 + u * 7),
        u % 2 === 0 ? 'visa' : 'checking',
        pick(uncategorizedPayees),
        'uncategorizedExpense',
        cents(12, 480),
        'Card transaction',
      );
    }
    for (let s = 0; s < 3; s++) {
      deposit(
        day(year, month, 5 + s * 8),
        'checking',
        pick(customers),
        'services',
        cents(900, 4200),
        'Client payment',
      );
    }
    if (i % 2 === 1 || months === 1) {
      deposit(
        day(year, month, 22),
        'checking',
        'Mobile deposit',
        'uncategorizedIncome',
        cents(75, 650),
        'Mobile check deposit',
      );
    }
    deposit(day(year, month, 27), 'savings', 'First Harbor Bank', 'interest', cents(8, 25), 'Interest');
    journal(day(year, month, 25), 'Credit card payment', [
      ['visa', 'Debit', 900],
      ['checking', 'Credit', 900],
    ]);
    journal(day(year, month, 26), 'Loan payment (principal)', [
      ['loan', 'Debit', 500],
      ['checking', 'Credit', 500],
    ]);
  }
  return realm;
}
