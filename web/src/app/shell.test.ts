import { describe, expect, it } from 'vitest';
import { quoteArg } from './shell';

describe('quoteArg', () => {
  it('leaves a word of plain characters as it is', () => {
    expect(quoteArg('bundle.zip')).toBe('bundle.zip');
    expect(quoteArg('2026-01-01T00:00:00.000Z/2026-02-01T00:00:00.000Z')).toBe(
      '2026-01-01T00:00:00.000Z/2026-02-01T00:00:00.000Z',
    );
  });

  it('quotes every URL, even one without a query', () => {
    expect(quoteArg('http://127.0.0.1:8080/signing-keys')).toBe(
      "'http://127.0.0.1:8080/signing-keys'",
    );
  });

  it('quotes a word the shell would split, glob or run in the background', () => {
    expect(quoteArg('a b')).toBe("'a b'");
    expect(quoteArg('x?y&z')).toBe("'x?y&z'");
    expect(quoteArg('$HOME')).toBe("'$HOME'");
  });

  it("writes a single quote as '\\''", () => {
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
  });
});
