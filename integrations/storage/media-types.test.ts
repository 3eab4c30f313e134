import { describe, expect, it } from 'vitest';
import { sniffedMatchesDeclared, sniffMediaType, sniffBytes, type TUploadMediaType } from './media-types';
import {
  sampleHeic,
  sampleIsoMedia,
  sampleJpeg,
  samplePdf,
  samplePng,
  sampleTiff,
} from './testing/sample-files';

const text = (value: string) => new TextEncoder().encode(value);
const sniff = (bytes: Uint8Array) =>
  sniffMediaType(bytes.subarray(0, sniffBytes), bytes.length <= sniffBytes);

describe('media type sniffing', () => {
  it('recognises each binary upload type from its first bytes', async () => {
    expect(sniff(await samplePdf())).toBe('application/pdf');
    expect(sniff(samplePng())).toBe('image/png');
    expect(sniff(sampleJpeg())).toBe('image/jpeg');
    expect(sniff(sampleTiff('II'))).toBe('image/tiff');
    expect(sniff(sampleTiff('MM'))).toBe('image/tiff');
    expect(sniff(sampleHeic())).toBe('image/heic');
    expect(sniff(sampleIsoMedia('mif1', ['mif1', 'heix']))).toBe('image/heic');
    expect(sniff(sampleIsoMedia('mif1', ['mif1']))).toBe('image/heif');
  });

  it('takes a PDF header within the first 1024 bytes, as PDF readers do, but not later', () => {
    expect(sniff(Buffer.concat([Buffer.alloc(100, 0x20), text('%PDF-1.7\n')]))).toBe('application/pdf');
    const late = Buffer.concat([Buffer.alloc(1100, 0x41), text('%PDF-1.7\n')]);
    expect(sniff(late)).toBe('text/plain');
  });

  it('does not take other ISO media files (AVIF images, MP4 videos) for HEIC photos', () => {
    expect(sniff(sampleIsoMedia('avif', ['avif', 'mif1', 'miaf']))).toBeNull();
    expect(sniff(sampleIsoMedia('isom', ['isom', 'mp41']))).toBeNull();
  });

  it('tells CSV from plain text by a consistent delimiter count, quotes and line breaks in quotes included', () => {
    expect(
      sniff(text('Date,Description,Amount\n2026-01-02,"Coffee, large",4.50\n2026-01-03,Rent,1200\n')),
    ).toBe('text/csv');
    expect(sniff(text('\ufeffDatum;Betrag\r\n02.01.2026;4,50\r\n'))).toBe('text/csv');
    expect(sniff(text('name\tamount\nAva\t12\n'))).toBe('text/csv');
    expect(sniff(text('id,note\n1,"first line\nsecond line"\n2,plain\n'))).toBe('text/csv');
    expect(sniff(text('Dear Ava,\nthanks for the documents, we will be in touch.\nBest\n'))).toBe(
      'text/plain',
    );
    expect(sniff(text('just one word'))).toBe('text/plain');
  });

  it('does not count a long text cut mid-character or mid-line against it', () => {
    const row = 'Ünïcödé payee,12.50\n';
    const csv = text(`payee,amount\n${row.repeat(Math.ceil((sniffBytes * 2) / row.length))}`);
    // The sample boundary falls inside a two-byte character or a line somewhere: still CSV.
    for (const cut of [sniffBytes - 1, sniffBytes, sniffBytes - 7]) {
      expect(sniffMediaType(csv.subarray(0, cut), false)).toBe('text/csv');
    }
  });

  it('refuses binary content and text in encodings other than UTF-8', () => {
    expect(sniff(Buffer.from([0x00, 0x01, 0x02, 0x03, 0x50, 0x4b]))).toBeNull();
    expect(sniff(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]))).toBeNull(); // a ZIP (e.g. .xlsx)
    expect(sniff(Buffer.from('Caf\xe9 au lait', 'latin1'))).toBeNull();
    expect(sniff(Buffer.from('\ufeffhello', 'utf16le'))).toBeNull();
    expect(sniff(text('text with a bell \u0007\u0007\u0007 and escapes \u001b\u001b'))).toBeNull();
    expect(sniff(new Uint8Array())).toBeNull();
  });
});

describe('declared and sniffed types', () => {
  const cases: [TUploadMediaType, TUploadMediaType, boolean][] = [
    ['application/pdf', 'application/pdf', true],
    ['image/png', 'application/pdf', false],
    ['image/jpeg', 'image/png', false],
    ['image/heic', 'image/heif', true],
    ['image/heif', 'image/heic', true],
    ['text/csv', 'text/plain', true],
    ['text/plain', 'text/csv', false],
    ['application/pdf', 'text/plain', false],
  ];
  it.each(cases)('content sniffed as %s stored as %s: %s', (sniffed, declared, matches) => {
    expect(sniffedMatchesDeclared(sniffed, declared)).toBe(matches);
  });
});
