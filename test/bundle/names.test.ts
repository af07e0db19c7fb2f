import { describe, expect, it } from 'vitest';
import { toSafeName } from '../../src/bundle/index.js';
import { EntryNamer } from '../../src/bundle/names.js';

describe('toSafeName', () => {
  it('keeps an ordinary file name', () => {
    expect(toSafeName('sbom.cdx.json')).toBe('sbom.cdx.json');
  });

  it('normalises to NFC', () => {
    expect(toSafeName('cafe\u0301.json')).toBe('caf\u00e9.json');
  });

  it('keeps only the base name of a path, either separator', () => {
    expect(toSafeName('../../etc/passwd')).toBe('passwd');
    expect(toSafeName('C:\\temp\\..\\report.json')).toBe('report.json');
  });

  it('drops leading dots so nothing is hidden or a parent', () => {
    expect(toSafeName('..')).toBe('file');
    expect(toSafeName('.env')).toBe('env');
    expect(toSafeName('report.json. ')).toBe('report.json');
  });

  it('replaces control and Windows-reserved characters', () => {
    expect(toSafeName('a\u0000b\nc:d*e?.json')).toBe('a_b_c_d_e_.json');
    expect(toSafeName('CON.json')).toBe('_CON.json');
  });

  it('bounds the length in UTF-8 bytes and keeps the extension', () => {
    const name = toSafeName(`${'é'.repeat(300)}.json`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(180);
    expect(name.endsWith('é.json')).toBe(true);
  });
});

describe('EntryNamer', () => {
  it('numbers duplicates in the order they come, ignoring case', () => {
    const namer = new EntryNamer();
    expect(namer.pathFor('sboms', 'a.json')).toBe('sboms/a.json');
    expect(namer.pathFor('sboms', 'A.json')).toBe('sboms/A (2).json');
    expect(namer.pathFor('sboms', 'dir/a.json')).toBe('sboms/a (3).json');
    expect(namer.pathFor('attestations', 'a.json')).toBe('attestations/a.json');
  });

  it('skips a numbered name that a source already took', () => {
    const namer = new EntryNamer();
    namer.pathFor('sboms', 'a (2).json');
    namer.pathFor('sboms', 'a.json');
    expect(namer.pathFor('sboms', 'a.json')).toBe('sboms/a (3).json');
  });
});
