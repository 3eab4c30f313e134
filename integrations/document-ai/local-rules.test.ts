import { describe, expect, it } from 'vitest';
import { groupIntoPhrases, type TTextBox } from './local-layout';
import { detectCategory, extractFields, readAmount, readDate } from './local-rules';

/** Words of one line, laid out left to right with the given gaps (in text heights). */
function line(page: number, y: number, parts: Array<[string, number]>, height = 10): TTextBox[] {
  let x = 50;
  return parts.map(([text, gapBefore]) => {
    x += gapBefore * height;
    const box = {
      text,
      page,
      x0: x,
      y0: y,
      x1: x + text.length * 0.5 * height,
      y1: y + height,
      confidence: 0.9,
    };
    x = box.x1;
    return box;
  });
}

describe('local reading rules', () => {
  it('reads amounts as printed, scanned or with signs', () => {
    expect(readAmount('$ 1,234.56')).toBe(1234.56);
    expect(readAmount('+ $4,200.00')).toBe(4200);
    expect(readAmount('-96.80')).toBe(-96.8);
    expect(readAmount('(12.00)')).toBe(-12);
    expect(readAmount('85.250.00')).toBe(85250);
    expect(readAmount('1 234,56')).toBe(1234.56);
    expect(readAmount('03/02')).toBeNull();
    expect(readAmount('2026')).toBeNull();
    expect(readAmount('Sample Employer LLC')).toBeNull();
  });

  it('reads dates in the usual US forms and refuses impossible ones', () => {
    expect(readDate('March 1, 2026')).toBe('2026-03-01');
    expect(readDate('Mar 31 2026')).toBe('2026-03-31');
    expect(readDate('03/01/2026')).toBe('2026-03-01');
    expect(readDate('2026-03-01')).toBe('2026-03-01');
    expect(readDate('February 30, 2026')).toBeNull();
    expect(readDate('13/01/2026')).toBeNull();
    expect(readDate('Ma 1, 2026')).toBeNull();
  });

  it('groups words into phrases, splitting at box-sized gaps', () => {
    const words = [
      ...line(1, 100, [
        ['1', 0],
        ['Wages,', 0.3],
        ['tips,', 0.3],
        ['2', 4],
        ['Federal', 0.3],
      ]),
    ];
    expect(groupIntoPhrases(words).map((p) => p.text)).toEqual(['1 Wages, tips,', '2 Federal']);
  });

  it('reads values printed on the same line as their label, in one phrase or after it', () => {
    const phrases = groupIntoPhrases([
      ...line(1, 40, [['Sample Credit Union', 0]]),
      ...line(1, 100, [['Statement period 03/01/2026 to 03/31/2026', 0]]),
      ...line(1, 120, [['Account number: XXXX-XXXX-7788', 0]]),
      ...line(1, 140, [['Opening balance on 03/01/2026 $2,000.00', 0]]),
      ...line(1, 160, [
        ['Closing balance', 0],
        ['$2,150.10', 20],
      ]),
    ]);
    expect(detectCategory(phrases, 'other')).toBe('bank-statement');
    const fields = extractFields('bank-statement', phrases);
    expect(Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.value]))).toEqual({
      BankName: 'Sample Credit Union',
      AccountNumberLast4: '7788',
      StatementStartDate: '2026-03-01',
      StatementEndDate: '2026-03-31',
      BeginningBalance: 2000,
      EndingBalance: 2150.1,
    });
  });

  it('keeps only the last four digits of a masked or full SSN', () => {
    for (const printed of ['XXX-XX-1234', '***-**-1234', '000-00-1234', '000 00 1234']) {
      const phrases = groupIntoPhrases([
        ...line(1, 100, [["a Employee's social security number", 0]], 7),
        ...line(1, 115, [[printed, 0]]),
      ]);
      expect(extractFields('w2', phrases).EmployeeSsnLast4?.value).toBe('1234');
    }
  });

  it('does not take the next box’s label for the value of an empty box', () => {
    const phrases = groupIntoPhrases([
      ...line(1, 100, [['3 Social security wages', 0]], 7),
      ...line(1, 125, [['5 Medicare wages and tips', 0]], 7),
      ...line(1, 140, [['88,000.00', 0]]),
    ]);
    const fields = extractFields('w2', phrases);
    expect(fields.SocialSecurityWages).toBeUndefined();
    expect(fields.MedicareWagesAndTips?.value).toBe(88000);
  });

  it('prefers the category asked for when two match equally, and finds none in plain text', () => {
    const both = groupIntoPhrases([...line(1, 100, [['Form 1099-INT and Form 1099-DIV', 0]])]);
    expect(detectCategory(both, '1099-div')).toBe('1099-div');
    expect(detectCategory(both, '1099-int')).toBe('1099-int');
    expect(
      detectCategory(groupIntoPhrases(line(1, 100, [['Thank you for your business', 0]])), 'w2'),
    ).toBeNull();
  });
});
