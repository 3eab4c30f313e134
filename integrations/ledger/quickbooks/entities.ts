/**
 * The QuickBooks Online entities the platform reads and writes, as zod schemas of the documented
 * JSON (minor version 75). Objects are loose: fields the platform does not use pass through
 * unchanged, so a sparse update never drops what it did not read.
 */
import { z } from 'zod';

export const ledgerEntityNames = ['Account', 'Purchase', 'Deposit', 'JournalEntry'] as const;
export type TLedgerEntityName = (typeof ledgerEntityNames)[number];

/** Entities with a transaction date: the ones a month's close cares about. */
export const ledgerTransactionEntities = ['Purchase', 'Deposit', 'JournalEntry'] as const;
export type TLedgerTransactionEntity = (typeof ledgerTransactionEntities)[number];

export function isLedgerEntityName(value: string): value is TLedgerEntityName {
  return (ledgerEntityNames as readonly string[]).includes(value);
}

/** A reference to another entity: `{ value: id, name }`. */
export const ZRef = z.looseObject({
  value: z.string(),
  name: z.string().optional(),
  type: z.string().optional(),
});
export type TRef = z.infer<typeof ZRef>;

export const ZMetaData = z.looseObject({
  CreateTime: z.string().optional(),
  LastUpdatedTime: z.string().optional(),
});

/** What every entity has. SyncToken is a string that QuickBooks increments on each save. */
const entityBase = {
  Id: z.string(),
  SyncToken: z.string(),
  domain: z.string().optional(),
  sparse: z.boolean().optional(),
  MetaData: ZMetaData.optional(),
};

export const ZAccount = z.looseObject({
  ...entityBase,
  Name: z.string(),
  FullyQualifiedName: z.string().optional(),
  Active: z.boolean().optional(),
  SubAccount: z.boolean().optional(),
  ParentRef: ZRef.optional(),
  Classification: z.string().optional(),
  AccountType: z.string(),
  AccountSubType: z.string().optional(),
  CurrentBalance: z.number().optional(),
  CurrentBalanceWithSubAccounts: z.number().optional(),
  CurrencyRef: ZRef.optional(),
});
export type TAccount = z.infer<typeof ZAccount>;

export const ZPurchaseLine = z.looseObject({
  Id: z.string().optional(),
  LineNum: z.number().optional(),
  Description: z.string().optional(),
  Amount: z.number(),
  DetailType: z.string(),
  AccountBasedExpenseLineDetail: z
    .looseObject({
      AccountRef: ZRef,
      BillableStatus: z.string().optional(),
      TaxCodeRef: ZRef.optional(),
    })
    .optional(),
});
export type TPurchaseLine = z.infer<typeof ZPurchaseLine>;

export const ZPurchase = z.looseObject({
  ...entityBase,
  TxnDate: z.string(),
  TotalAmt: z.number(),
  PaymentType: z.string(),
  AccountRef: ZRef,
  EntityRef: ZRef.optional(),
  DocNumber: z.string().optional(),
  PrivateNote: z.string().optional(),
  CurrencyRef: ZRef.optional(),
  Line: z.array(ZPurchaseLine),
});
export type TPurchase = z.infer<typeof ZPurchase>;

export const ZDepositLine = z.looseObject({
  Id: z.string().optional(),
  LineNum: z.number().optional(),
  Description: z.string().optional(),
  Amount: z.number(),
  DetailType: z.string(),
  DepositLineDetail: z
    .looseObject({
      AccountRef: ZRef.optional(),
      Entity: ZRef.optional(),
    })
    .optional(),
});
export type TDepositLine = z.infer<typeof ZDepositLine>;

export const ZDeposit = z.looseObject({
  ...entityBase,
  TxnDate: z.string(),
  TotalAmt: z.number(),
  DepositToAccountRef: ZRef,
  PrivateNote: z.string().optional(),
  CurrencyRef: ZRef.optional(),
  Line: z.array(ZDepositLine),
});
export type TDeposit = z.infer<typeof ZDeposit>;

export const ZJournalEntryLine = z.looseObject({
  Id: z.string().optional(),
  Description: z.string().optional(),
  Amount: z.number(),
  DetailType: z.string(),
  JournalEntryLineDetail: z.looseObject({
    PostingType: z.enum(['Debit', 'Credit']),
    AccountRef: ZRef,
    Entity: z.unknown().optional(),
  }),
});
export type TJournalEntryLine = z.infer<typeof ZJournalEntryLine>;

export const ZJournalEntry = z.looseObject({
  ...entityBase,
  TxnDate: z.string(),
  DocNumber: z.string().optional(),
  PrivateNote: z.string().optional(),
  Adjustment: z.boolean().optional(),
  TotalAmt: z.number().optional(),
  Line: z.array(ZJournalEntryLine),
});
export type TJournalEntry = z.infer<typeof ZJournalEntry>;

export const ZCompanyInfo = z.looseObject({
  ...entityBase,
  CompanyName: z.string(),
  LegalName: z.string().optional(),
  Country: z.string().optional(),
  FiscalYearStartMonth: z.string().optional(),
});
export type TCompanyInfo = z.infer<typeof ZCompanyInfo>;

export const entitySchemas = {
  Account: ZAccount,
  Purchase: ZPurchase,
  Deposit: ZDeposit,
  JournalEntry: ZJournalEntry,
} as const satisfies Record<TLedgerEntityName, z.ZodType>;

/** What change data capture returns for an entity that was deleted. */
export const ZDeletedEntity = z.looseObject({
  status: z.literal('Deleted'),
  Id: z.string(),
  MetaData: ZMetaData.optional(),
});

/** The path segment of an entity in the API (`/v3/company/<realm>/journalentry`). */
export function entityPath(entity: TLedgerEntityName | 'CompanyInfo'): string {
  return entity.toLowerCase();
}
