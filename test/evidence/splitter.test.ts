import { describe, expect, it } from 'vitest';
import {
  LineSplitter,
  lineText,
  type Line,
} from '../../src/evidence/splitter.js';

/** Feeds a text to a splitter in chunks of a given size. */
function split(text: string | Buffer, chunk: number, max = 1024): Line[] {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const splitter = new LineSplitter(max);
  const lines: Line[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    lines.push(...splitter.push(bytes.subarray(i, i + chunk)));
  }
  lines.push(...splitter.end());
  return lines;
}

function texts(lines: Line[]): (string | null)[] {
  return lines.map((l) => (l.bytes ? lineText(l.line, l.bytes) : null));
}

describe('LineSplitter', () => {
  describe('when lines straddle chunks', () => {
    it('gives the same lines whatever the chunk size', () => {
      const text = 'alpha\nbeta\r\n\ngamma\n';
      for (const chunk of [1, 2, 3, 7, 100]) {
        expect(texts(split(text, chunk))).toEqual([
          'alpha',
          'beta\r',
          '',
          'gamma',
        ]);
      }
    });
  });

  describe('when the file does not end with a newline', () => {
    it('gives the last line too', () => {
      expect(texts(split('a\nb', 1))).toEqual(['a', 'b']);
    });
  });

  describe('when a line is over the limit', () => {
    it('gives it without its bytes, keeping the numbering', () => {
      const lines = split(`ok\n${'x'.repeat(50)}\nfine`, 4, 10);
      expect(lines.map((l) => [l.line, l.bytes?.toString() ?? null])).toEqual([
        [1, 'ok'],
        [2, null],
        [3, 'fine'],
      ]);
    });

    it('accepts a line of exactly the limit', () => {
      expect(texts(split('x'.repeat(10), 3, 10))).toEqual(['x'.repeat(10)]);
    });
  });

  describe('when the file starts with a UTF-8 BOM', () => {
    it('drops it from the first line only', () => {
      const bom = '\uFEFF';
      expect(texts(split(`${bom}a\n${bom}b`, 2))).toEqual(['a', `${bom}b`]);
    });
  });

  describe('when a multi-byte character straddles chunks', () => {
    it('decodes it whole', () => {
      expect(texts(split('é€😀\nz', 1))).toEqual(['é€😀', 'z']);
    });
  });
});
