import { describe, expect, it } from 'vitest';
import { documentCategories } from '../../integrations/document-ai/document-ai';
import {
  checklistCategories,
  checklistCategoryLabels,
  checklistTemplate,
  checklistTemplateTypes,
  periodLabel,
} from './checklist-templates';

describe('checklist templates', () => {
  it('use exactly the document reader’s categories, each with a label', () => {
    expect([...checklistCategories].sort()).toEqual([...documentCategories].sort());
    for (const category of checklistCategories) expect(checklistCategoryLabels[category]).toBeTruthy();
  });

  it('give every engagement type unique keys and at least one required item', () => {
    for (const type of checklistTemplateTypes) {
      for (const clientKind of ['individual', 'business'] as const) {
        const items = checklistTemplate(type, { clientKind, taxYear: 2026, period: '2026-03' });
        expect(new Set(items.map((i) => i.key)).size).toBe(items.length);
        expect(items.some((i) => i.required)).toBe(true);
      }
    }
  });

  it('name the tax year and the period in the labels the client reads', () => {
    const individual = checklistTemplate('tax_return', { clientKind: 'individual', taxYear: 2026 });
    expect(individual.find((i) => i.key === 'w2')?.label).toBe('Form W-2 for 2026 from each employer');
    expect(individual.find((i) => i.key === 'prior-year-return')?.label).toBe('Your 2025 tax return');
    const close = checklistTemplate('monthly_close', { clientKind: 'business', period: '2026-03' });
    expect(close[0]?.label).toBe('Bank statement for March 2026');
    expect(periodLabel('2026-13')).toBe('2026-13');
  });
});
