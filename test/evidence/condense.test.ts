import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TagValueCondenser,
  XmlCondenser,
  type Condenser,
} from '../../src/evidence/condense.js';
import { detectEvidence } from '../../src/evidence/index.js';
import { readLargeDocument } from '../../src/evidence/large.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'dp-condense-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Feeds the bytes in chunks of `size`; what is kept, or why not. */
function condense(
  make: () => Condenser,
  bytes: Buffer,
  size = bytes.length,
): string {
  const condenser = make();
  for (let i = 0; i < bytes.length; i += size) {
    const decline = condenser.write(bytes.subarray(i, i + size));
    if (decline) return `declined: ${decline}`;
  }
  const kept = condenser.end();
  return Buffer.isBuffer(kept) ? kept.toString('utf8') : `declined: ${kept}`;
}

/** A CycloneDX XML BOM with the markup a condenser must not trip over. */
const AWKWARD_XML = `\uFEFF<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment before the root with <component> in it -->
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" serialNumber="urn:uuid:3" version="2">
  <metadata>
    <timestamp>2026-03-01T10:00:00Z</timestamp>
    <component type="application"><name>shop &amp; co</name><version>4.0</version></component>
  </metadata>
  <components>
    <component type="library" bom-ref="a" note='a > b / c'>
      <name>a</name>
      <description><![CDATA[</component> <components> ]]]></description>
      <!-- </component> --->
      <components><component bom-ref="a/1"><name>x</name></component></components>
      <?pi </component> ?>
    </component>
    <component bom-ref="b"/>
    <component
      bom-ref="c" >text</component >
    <ünïcode bom-ref="d"/>
    text between entries
  </components>
  <services><service bom-ref="s"><name>api</name></service></services>
  <vulnerabilities><vulnerability><id>CVE-1</id></vulnerability></vulnerabilities>
  <dependencies><dependency ref="a"><dependency ref="b"/></dependency></dependencies>
</bom>
<!-- after the root -->
`;

describe('XML condensing', () => {
  const bytes = Buffer.from(AWKWARD_XML);
  const kept = condense(() => new XmlCondenser(), bytes);

  it('keeps of every entry only its refs, and the rest as written', () => {
    expect(kept).not.toContain('declined');
    expect(kept).toContain(
      '<components>\n' +
        '    <component bom-ref="a"><components><component bom-ref="a/1"/></components></component>\n' +
        '    <component bom-ref="b"/>\n    <component bom-ref="c"/>\n' +
        '    <ünïcode bom-ref="d"/>\n    text between entries\n  </components>',
    );
    expect(kept).toContain('<services><service bom-ref="s"/></services>');
    expect(kept).toContain(
      '<dependencies><dependency ref="a"><dependency ref="b"/></dependency></dependencies>',
    );
    expect(kept).toContain('<name>shop &amp; co</name>');
    expect(kept.startsWith('\uFEFF<?xml')).toBe(true);
    expect(kept.length).toBeLessThan(AWKWARD_XML.length);
  });

  it('warns on repeated and dangling bom-refs as JSON reading does, whole or condensed', () => {
    const refs = AWKWARD_XML.replace('bom-ref="c"', 'bom-ref="a/1"').replace(
      '<dependency ref="b"/>',
      '<dependency ref="b"/><dependency ref="gone&amp;lost"/><provides ref="s/9"/>',
    );
    const whole = detectEvidence('refs.bom.xml', Buffer.from(refs));
    if (whole.type !== 'document') throw new Error(whole.type);
    expect(whole.warnings).toEqual([
      'bom-ref given more than once: "a/1"',
      'dependency on a bom-ref that nothing declares: "gone&lost", "s/9"',
    ]);
    const condensed = condense(() => new XmlCondenser(), Buffer.from(refs));
    expect(detectEvidence('refs.bom.xml', Buffer.from(condensed))).toEqual(
      whole,
    );
  });

  it('gives what reading the whole file gives', () => {
    const whole = detectEvidence('awkward.bom.xml', bytes);
    expect(whole).toMatchObject({
      type: 'document',
      format: 'cyclonedx-xml',
      metadata: { componentCount: 3, serviceCount: 1, vulnerabilityCount: 1 },
    });
    expect(detectEvidence('awkward.bom.xml', Buffer.from(kept))).toEqual(whole);
  });

  it('keeps the same bytes however the file is cut into chunks', () => {
    for (const size of [1, 2, 3, 7, 64]) {
      expect(condense(() => new XmlCondenser(), bytes, size)).toBe(kept);
    }
  });

  it.each([
    ['a tag closed by another name', '<bom><a></b></bom>'],
    ['an element left open', '<bom><components><component>'],
    ['a second root', '<bom/><bom/>'],
    ['a DTD', '<!DOCTYPE bom><bom/>'],
    ['a < in a tag', '<bom a="1" <x/>'],
    ['a < that starts nothing', '<bom>< x/></bom>'],
    ['an unclosed comment', '<bom/><!-- no end'],
    ['no root at all', '<?xml version="1.0"?>'],
    [
      'an entry that is not well-formed inside',
      '<bom><components><component><a b=c/></component></components></bom>',
    ],
  ])('declines %s', (_what, text) => {
    expect(condense(() => new XmlCondenser(), Buffer.from(text))).toMatch(
      /^declined: /,
    );
  });

  it('refuses a BOM cut off mid-element, read whole or as a stream', async () => {
    const cut = Buffer.from(
      AWKWARD_XML.slice(0, AWKWARD_XML.indexOf('<services>')),
    );
    const whole = detectEvidence('cut.bom.xml', cut);
    expect(whole).toMatchObject({
      type: 'unrecognised',
      reason: expect.stringMatching(
        /^XML that is not well-formed: .*\(line \d+\)$/,
      ),
    });
    const file = path.join(scratch, 'cut.bom.xml');
    await writeFile(file, cut);
    expect(await readLargeDocument(file)).toBeNull();
  });

  it('never differs from whole reading when it does not decline', () => {
    // Damage a real BOM at random, one byte at a time: wherever the
    // condensed text is read as a BOM, whole reading must agree.
    const random = seeded(20261204);
    const markup = ['<', '>', '/', '"', "'", '!', '-', '?', ']', ' ', 'x'];
    let compared = 0;
    for (let n = 0; n < 400; n += 1) {
      const chars = [...AWKWARD_XML];
      for (let k = 0; k < 1 + Math.floor(random() * 3); k += 1) {
        const at = Math.floor(random() * chars.length);
        const what = markup[Math.floor(random() * markup.length)] as string;
        if (random() < 0.5) chars.splice(at, 1);
        else chars.splice(at, 0, what);
      }
      const damaged = Buffer.from(chars.join(''));
      const kept = condense(() => new XmlCondenser(), damaged);
      if (kept.startsWith('declined')) continue;
      const condensed = detectEvidence('x.bom.xml', Buffer.from(kept));
      if (condensed.type !== 'document') continue;
      expect(condensed, chars.join('')).toEqual(
        detectEvidence('x.bom.xml', damaged),
      );
      compared += 1;
    }
    expect(compared).toBeGreaterThan(100);
  });
});

const TAG_VALUE = [
  'SPDXVersion: SPDX-2.3',
  'DataLicense: CC0-1.0',
  'DocumentName: example',
  'DocumentNamespace: https://example.com/spdx/1',
  'Creator: Tool: maker-1.0',
  'Created: 2026-03-02T00:00:00Z',
  '',
  'PackageName: first',
  'PackageComment: <text>a comment that says',
  'PackageName: not a package, only words in a comment',
  '</text>',
  'FileName: ./a.c',
].join('\n');

describe('SPDX tag-value condensing', () => {
  // Past the first 4096 characters, with every line end a regular
  // expression knows: CR, CRLF, LS and PS.
  const tail = [
    '\r\nPackageName: second\r',
    'Creator: Person: someone\u2028',
    'PackageName: third\u2029',
    'Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-first\n',
    'PackageComment: <text>past the head too\nPackageName: hidden\n</text>\n',
    'PackageName: <text>one line</text>\n',
    'FileName: ./b.c',
  ].join('');
  const text = `\uFEFF${TAG_VALUE}\n${'#'.repeat(5000)}\n${tail}`;
  const bytes = Buffer.from(text);

  it('keeps the head and the lines it reads, and gives what whole reading gives', () => {
    const kept = condense(() => new TagValueCondenser(), bytes);
    expect(kept).not.toContain('Relationship');
    expect(kept.length).toBeLessThan(text.length);
    const whole = detectEvidence('x.spdx', bytes);
    expect(whole).toMatchObject({
      type: 'document',
      format: 'spdx-tag-value',
      metadata: { packageCount: 4, fileCount: 2 },
    });
    expect(detectEvidence('x.spdx', Buffer.from(kept))).toEqual(whole);
  });

  it('keeps the same text however the file is cut into chunks', () => {
    const kept = condense(() => new TagValueCondenser(), bytes);
    for (const size of [1, 2, 3, 5, 4096]) {
      expect(condense(() => new TagValueCondenser(), bytes, size)).toBe(kept);
    }
  });

  it('declines bytes that are not UTF-8', () => {
    const bad = Buffer.concat([Buffer.from(TAG_VALUE), Buffer.from([0xff])]);
    expect(condense(() => new TagValueCondenser(), bad)).toMatch(/declined/);
  });
});

describe('large files of each streamed format', () => {
  async function written(name: string, content: string | Buffer) {
    const file = path.join(scratch, name);
    await writeFile(file, content);
    return file;
  }

  it('reads XML and tag-value SBOMs as whole reading does', async () => {
    for (const [name, text] of [
      ['large.bom.xml', AWKWARD_XML],
      ['large.spdx', TAG_VALUE],
    ] as const) {
      const file = await written(name, text);
      const large = await readLargeDocument(file);
      expect(large?.detection, name).toEqual(
        detectEvidence(name, Buffer.from(text)),
      );
    }
  });

  it.each([
    ['a DOCTYPE in a comment', AWKWARD_XML.replace('a comment', '<!doctype x>')],
    ['a private key in a description', AWKWARD_XML.replace('<name>a</name>', '<name>-----BEGIN PRIVATE KEY-----</name>')],
    ['a NUL byte', AWKWARD_XML.replace('text between', 'text\0between')],
    ['XML that is not CycloneDX', '<project><modelVersion>4.0.0</modelVersion></project>'],
    ['a YAML policy report', 'apiVersion: wgpolicyk8s.io/v1alpha2\nkind: PolicyReport\n'],
  ])('leaves %s to whole reading', async (_what, text) => {
    const file = await written('declined.xml', text);
    expect(await readLargeDocument(file)).toBeNull();
  }); // prettier-ignore
});

/** A small deterministic generator (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
