import type {
  AnalyzeResultOutput,
  AnalyzedDocumentOutput,
  DocumentFieldOutput,
} from '@azure-rest/ai-document-intelligence';
import {
  lastFourDigits,
  type TDocumentCategory,
  type TExtraction,
  type TExtractionField,
  type TExtractionFieldType,
} from './document-ai';
import { categoryLabel, fieldCatalog, type TCatalogField } from './field-catalog';

/** At most this many fields are kept from one document (a broker's 1099-B can list thousands). */
export const maxFieldsPerDocument = 300;

/**
 * Document Intelligence field paths whose values identify a person or an account. Outside the
 * catalog they are kept as their last four digits only, under the path plus `Last4`.
 */
const sensitivePath =
  /(?:^|\.)(?:TIN|SocialSecurityNumber|AccountNumber|BankAccountNumber|IBAN|Rtn|CustomerTaxId)$/;

/** Which platform category a Document Intelligence document type is. */
export function categoryOfDocType(docType: string): TDocumentCategory | null {
  const type = docType.toLowerCase();
  const taxForm = /^tax\.us\.([0-9a-z-]+)/.exec(type)?.[1];
  if (taxForm !== undefined) {
    const form = taxForm.replace(/-/g, '');
    const known: Record<string, TDocumentCategory> = {
      w2: 'w2',
      '1099int': '1099-int',
      '1099div': '1099-div',
      '1099misc': '1099-misc',
      '1099nec': '1099-nec',
      '1099b': '1099-b',
      '1099r': '1099-r',
      '1098': '1098',
      '1098e': '1098-e',
      '1098t': '1098-t',
    };
    if (known[form]) return known[form];
    if (form.startsWith('1040')) return 'prior-year-return';
    return 'unknown-tax-form';
  }
  if (type.startsWith('bankstatement')) return 'bank-statement';
  if (type.startsWith('invoice')) return 'invoice';
  if (type.startsWith('receipt')) return 'receipts';
  return null;
}

interface TLeaf {
  path: string;
  field: DocumentFieldOutput;
}

/** Every value-bearing field of a document, objects and arrays flattened to dotted paths. */
function flatten(fields: Record<string, DocumentFieldOutput> | undefined, prefix = ''): TLeaf[] {
  const leaves: TLeaf[] = [];
  for (const [name, field] of Object.entries(fields ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (field.type === 'object') {
      leaves.push(...flatten(field.valueObject, path));
    } else if (field.type === 'array') {
      (field.valueArray ?? []).forEach((item, index) => {
        if (item.type === 'object') leaves.push(...flatten(item.valueObject, `${path}.${index}`));
        else leaves.push({ path: `${path}.${index}`, field: item });
      });
    } else {
      leaves.push({ path, field });
    }
  }
  return leaves;
}

/** The value of a field as the service typed it. */
function rawValue(field: DocumentFieldOutput): {
  value: string | number | null;
  type: TExtractionFieldType;
  currencyCode?: string;
} {
  switch (field.type) {
    case 'number':
      return { value: field.valueNumber ?? parseAmount(field.content), type: 'number' };
    case 'integer':
      return { value: field.valueInteger ?? parseAmount(field.content), type: 'number' };
    case 'currency':
      return {
        value: field.valueCurrency?.amount ?? parseAmount(field.content),
        type: 'currency',
        ...(field.valueCurrency?.currencyCode ? { currencyCode: field.valueCurrency.currencyCode } : {}),
      };
    case 'date':
      return { value: field.valueDate ?? field.content ?? null, type: 'date' };
    case 'time':
      return { value: field.valueTime ?? field.content ?? null, type: 'time' };
    case 'boolean':
      return {
        value: field.valueBoolean === undefined ? (field.content ?? null) : String(field.valueBoolean),
        type: 'boolean',
      };
    case 'selectionMark':
      return { value: field.valueSelectionMark ?? null, type: 'string' };
    case 'selectionGroup':
      return { value: field.valueSelectionGroup?.join(', ') ?? field.content ?? null, type: 'string' };
    case 'phoneNumber':
      return { value: field.valuePhoneNumber ?? field.content ?? null, type: 'phone' };
    case 'countryRegion':
      return { value: field.valueCountryRegion ?? field.content ?? null, type: 'country' };
    case 'address':
      return { value: field.content ?? null, type: 'address' };
    case 'signature':
      return { value: field.valueSignature ?? null, type: 'string' };
    default:
      return { value: field.valueString ?? field.content ?? null, type: 'string' };
  }
}

/** `$1,234.50`, `(12.00)`, `1 234` → a number; null when it is not an amount. */
export function parseAmount(text: string | undefined | null): number | null {
  if (!text) return null;
  const negative = /^\s*\(.*\)\s*$/.test(text) || /^\s*(?:\$\s*)?[-\u2212]/.test(text);
  const digits = text.replace(/[^0-9.]/g, '');
  if (!/^\d+(\.\d+)?$/.test(digits)) return null;
  const amount = Number(digits);
  return negative ? -amount : amount;
}

/** Converts a value to the type the catalog promises (a 1099-B's string amounts, a 1098's numeric year). */
function coerce(value: string | number | null, type: TExtractionFieldType): string | number | null {
  if (value === null) return null;
  if (type === 'currency' || type === 'number') return typeof value === 'number' ? value : parseAmount(value);
  if (type === 'masked-id') return lastFourDigits(String(value));
  return typeof value === 'number' ? String(value) : value;
}

function toField(
  leaf: TLeaf,
  documentConfidence: number,
  override?: { type: TExtractionFieldType; label: string },
): TExtractionField {
  const raw = rawValue(leaf.field);
  const type = override?.type ?? raw.type;
  const region = leaf.field.boundingRegions?.[0];
  return {
    value: coerce(raw.value, type),
    type,
    confidence: clamp(leaf.field.confidence ?? documentConfidence),
    ...(override ? { label: override.label } : {}),
    ...(region ? { page: region.pageNumber } : {}),
    ...(region?.polygon?.length ? { boundingRegion: region.polygon.map((n) => round(n, 4)) } : {}),
    ...(raw.currencyCode && type === 'currency' ? { currencyCode: raw.currencyCode } : {}),
  };
}

/**
 * Maps Document Intelligence's `analyzeResult` to the platform's extraction: catalog fields under
 * their platform names, every other value under its dotted path (identifiers reduced to their last
 * four digits), the detected category from the document type, and warnings a reviewer should read.
 */
export function mapAnalyzeResult(result: AnalyzeResultOutput, requested: TDocumentCategory): TExtraction {
  const warnings: string[] = [];
  const documents = [...(result.documents ?? [])];
  const document: AnalyzedDocumentOutput | undefined = documents.sort(
    (a, b) => b.confidence - a.confidence,
  )[0];
  const detected = document ? categoryOfDocType(document.docType) : null;
  const category = detected ?? requested;

  if (documents.length > 1) {
    const kinds = documents.map((d) => categoryLabel(categoryOfDocType(d.docType) ?? 'other'));
    warnings.push(
      `The file holds ${documents.length} documents (${kinds.join(', ')}); fields are from the ${categoryLabel(category)} only. Upload the others separately.`,
    );
  }
  if (detected && detected !== requested && !['other', 'unknown-tax-form'].includes(requested)) {
    warnings.push(
      `This looks like a ${categoryLabel(detected)}, not the ${categoryLabel(requested)} that was asked for.`,
    );
  }
  for (const warning of result.warnings ?? []) warnings.push(`Document Intelligence: ${warning.message}`);

  const fields: Record<string, TExtractionField> = {};
  const documentConfidence = document ? clamp(document.confidence) : 0;
  if (document) {
    const leaves = flatten(document.fields);
    const used = new Set<string>();
    const catalog: readonly TCatalogField[] = fieldCatalog[category] ?? [];
    for (const entry of catalog) {
      const leaf = entry.azure.map((path) => leaves.find((l) => l.path === path)).find(Boolean);
      if (!leaf) continue;
      used.add(leaf.path);
      fields[entry.name] = toField(leaf, documentConfidence, { type: entry.type, label: entry.label });
    }
    let dropped = 0;
    for (const leaf of leaves) {
      if (used.has(leaf.path)) continue;
      if (Object.keys(fields).length >= maxFieldsPerDocument) {
        dropped += 1;
        continue;
      }
      if (sensitivePath.test(leaf.path)) {
        fields[`${leaf.path}Last4`] = toField(leaf, documentConfidence, {
          type: 'masked-id',
          label: `${leaf.path} (last four)`,
        });
      } else {
        fields[leaf.path] = toField(leaf, documentConfidence);
      }
    }
    if (dropped > 0) {
      warnings.push(
        `${dropped} more fields were read but not kept (at most ${maxFieldsPerDocument} per document).`,
      );
    }
  } else if (fieldCatalog[requested]) {
    warnings.push(`No ${categoryLabel(requested)} was found in the file.`);
  }

  return {
    provider: 'azure',
    modelId: result.modelId,
    category,
    pages: result.pages.length,
    fields,
    confidence: documentConfidence,
    warnings,
  };
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, round(value, 3)));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
