/**
 * Text with positions, as the local reader sees a page: words (OCR) or text runs (a PDF's text layer)
 * grouped into lines and then into phrases, the runs of text a form prints in one box. Coordinates
 * are from the top-left corner of the page, in the page's unit (inches for PDFs, pixels for images).
 */

export interface TTextBox {
  text: string;
  page: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** 0 to 1: 1 for a PDF's own text, the OCR engine's confidence for recognised words. */
  confidence: number;
}

export const height = (box: TTextBox) => box.y1 - box.y0;
const centerY = (box: TTextBox) => (box.y0 + box.y1) / 2;

/**
 * Groups words into phrases: words on the same line (vertically overlapping) whose gap is smaller
 * than `gapFactor` times the line's text height are one phrase. A wider gap is a box boundary or a
 * table column, so "1 Wages, tips, other compensation" and "2 Federal income tax withheld" printed side
 * by side stay apart.
 */
export function groupIntoPhrases(words: TTextBox[], gapFactor = 1): TTextBox[] {
  const phrases: TTextBox[] = [];
  const byPage = new Map<number, TTextBox[]>();
  for (const word of words) {
    if (!word.text.trim()) continue;
    byPage.set(word.page, [...(byPage.get(word.page) ?? []), word]);
  }
  for (const pageWords of byPage.values()) {
    const lines: TTextBox[][] = [];
    for (const word of [...pageWords].sort((a, b) => centerY(a) - centerY(b) || a.x0 - b.x0)) {
      const line = lines.find((candidate) => sameLine(candidate, word));
      if (line) line.push(word);
      else lines.push([word]);
    }
    for (const line of lines) {
      line.sort((a, b) => a.x0 - b.x0);
      let current: TTextBox[] = [];
      for (const word of line) {
        const previous = current.at(-1);
        const lineHeight = Math.max(...current.map(height), height(word));
        if (previous && word.x0 - previous.x1 > gapFactor * lineHeight) {
          phrases.push(merge(current));
          current = [];
        }
        current.push(word);
      }
      if (current.length) phrases.push(merge(current));
    }
  }
  return phrases.sort((a, b) => a.page - b.page || a.y0 - b.y0 || a.x0 - b.x0);
}

function sameLine(line: TTextBox[], word: TTextBox): boolean {
  const top = Math.min(...line.map((w) => w.y0));
  const bottom = Math.max(...line.map((w) => w.y1));
  const overlap = Math.min(bottom, word.y1) - Math.max(top, word.y0);
  return overlap > 0.5 * Math.min(bottom - top, height(word));
}

function merge(words: TTextBox[]): TTextBox {
  const first = words[0]!;
  return {
    text: words
      .map((w) => w.text.trim())
      .join(' ')
      .replace(/\s+/g, ' '),
    page: first.page,
    x0: Math.min(...words.map((w) => w.x0)),
    y0: Math.min(...words.map((w) => w.y0)),
    x1: Math.max(...words.map((w) => w.x1)),
    y1: Math.max(...words.map((w) => w.y1)),
    confidence: words.reduce((sum, w) => sum + w.confidence, 0) / words.length,
  };
}

/** Phrases to the right of `label` on its line, nearest first. */
export function phrasesRightOf(label: TTextBox, phrases: TTextBox[], maxGapHeights = 40): TTextBox[] {
  const h = height(label);
  return phrases
    .filter(
      (p) =>
        p !== label &&
        p.page === label.page &&
        Math.abs(centerY(p) - centerY(label)) < 0.6 * Math.max(h, height(p)) &&
        p.x0 >= label.x1 - 0.2 * h &&
        p.x0 - label.x1 <= maxGapHeights * h,
    )
    .sort((a, b) => a.x0 - b.x0);
}

/**
 * Phrases below `label` that start within its horizontal span (the rest of its box), nearest first,
 * no further down than `maxDropHeights` label heights.
 */
export function phrasesBelow(label: TTextBox, phrases: TTextBox[], maxDropHeights = 3.5): TTextBox[] {
  const h = height(label);
  return phrases
    .filter(
      (p) =>
        p !== label &&
        p.page === label.page &&
        p.y0 >= label.y1 - 0.3 * h &&
        p.y0 - label.y1 <= maxDropHeights * h &&
        p.x0 >= label.x0 - 1.5 * h &&
        p.x0 <= label.x1,
    )
    .sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
}

/** The corners of a box as a polygon (x1, y1, ..., x4, y4), clockwise from the top-left. */
export function polygonOf(box: TTextBox, digits = 4): number[] {
  const r = (n: number) => Math.round(n * 10 ** digits) / 10 ** digits;
  return [r(box.x0), r(box.y0), r(box.x1), r(box.y0), r(box.x1), r(box.y1), r(box.x0), r(box.y1)];
}
