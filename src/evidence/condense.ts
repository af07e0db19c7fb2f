/**
 * Large XML and SPDX tag-value SBOMs, condensed as they stream past: the
 * text keeps every byte their readers look at and drops the rest, so that
 * reading the condensed text whole gives what reading the file whole
 * would, in a fraction of the memory. See docs/evidence-formats.md.
 */

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { childrenOf } from './formats/bomref.js';
import { isObject } from './formats/shared.js';
import { insideTextAfter, TAG_VALUE_LINE_END } from './formats/spdx.js';

/** Why a file is left to whole reading, or null to go on. */
export type Decline = string | null;

/** Feeds a file's bytes in order, then says what is kept of them. */
export interface Condenser {
  write(chunk: Buffer): Decline;
  end(): Buffer | Decline;
}

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

type XmlState =
  | 'text'
  | 'open' // just after <
  | 'start-name'
  | 'attrs'
  | 'end-name'
  | 'end-space'
  | 'bang' // after <!, deciding between a comment and CDATA
  | 'comment'
  | 'cdata'
  | 'pi';

const COMMENT_OPEN = '--';
const CDATA_OPEN = '[CDATA[';
const COMMENT_CLOSE = Buffer.from('-->');
const CDATA_CLOSE = Buffer.from(']]>');
const LT_BYTE = Buffer.from('<');

const CRITICAL_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 100;

// The root's children whose content CycloneDX XML reading takes whole.
const KEPT_WHOLE = new Set(['metadata']);

/**
 * Condenses a CycloneDX XML BOM: every child of a list under the root
 * (a component, a service, a vulnerability, a dependency) is checked to
 * be well-formed and becomes an element of the same name holding only
 * its refs (refsOnly), so the lists keep their counts and the bom-ref
 * checks their input; the prolog, the root's start tag, `<metadata>` and
 * everything between the entries are kept byte for byte. Declines
 * anything that is not well-formed in the simple sense it checks (one
 * root, balanced and matching tags, quoted attributes, closed comments,
 * CDATA sections and instructions) and any other `<!` declaration: whole
 * reading decides those.
 */
export class XmlCondenser implements Condenser {
  private readonly kept: Buffer[] = [];
  private state: XmlState = 'text';
  /** The names of the open elements, the root first. */
  private readonly names: string[] = [];
  private name: number[] = [];
  private quote = 0;
  private selfClosing = false;
  private bang = '';
  /** Bytes matched so far of what closes the current construct. */
  private matched = 0;
  /** A < at list depth whose markup is not known yet. */
  private pendingLt = false;
  /** The depth at which the entry being dropped opened, else -1. */
  private dropping = -1;
  private entry = '';
  private closedRoot = false;
  /** The bytes of the entry being dropped, checked whole when it ends. */
  private entryParts: Buffer[] = [];
  private entryFrom = -1;
  private entryDone = false;

  write(chunk: Buffer): Decline {
    // What is kept is copied out once per chunk: a view would hold on to
    // the whole chunk, and so to the whole file.
    const pieces: Buffer[] = [];
    const decline = this.scan(chunk, pieces);
    if (decline) return decline;
    this.kept.push(Buffer.concat(pieces));
    return null;
  }

  private scan(chunk: Buffer, kept: Buffer[]): Decline {
    let keepFrom = this.dropping === -1 && !this.pendingLt ? 0 : -1;
    this.entryFrom = this.dropping === -1 ? -1 : 0;
    // After a tag: keep what follows, or check the entry that just ended.
    const keepAfter = (i: number): Decline => {
      if (this.entryDone) {
        this.entryDone = false;
        this.entryParts.push(chunk.subarray(this.entryFrom, i + 1));
        const entry = refsOnly(this.entry, this.entryParts);
        this.entryParts = [];
        this.entryFrom = -1;
        if (entry === null) return 'an entry that is not well-formed XML';
        kept.push(Buffer.from(entry));
      }
      if (this.dropping === -1 && keepFrom === -1) keepFrom = i + 1;
      return null;
    };
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i] as number;
      switch (this.state) {
        case 'text': {
          const next = chunk.indexOf(LT, i);
          if (next === -1) {
            i = chunk.length;
            break;
          }
          i = next;
          this.state = 'open';
          // What follows may be an entry: keep up to the <, then wait.
          if (this.dropping === -1 && this.atListDepth()) {
            if (keepFrom !== -1) kept.push(chunk.subarray(keepFrom, i));
            keepFrom = -1;
            this.pendingLt = true;
          }
          break;
        }
        case 'open': {
          const entry = this.pendingLt && isNameStart(byte);
          if (this.pendingLt && !entry) {
            // Not an entry after all: keep its < and go on keeping.
            kept.push(LT_BYTE);
            keepFrom = i;
          }
          this.pendingLt = false;
          if (entry) {
            this.dropping = this.names.length;
            this.entryParts = [LT_BYTE];
            this.entryFrom = i;
          }
          if (byte === SLASH) {
            this.state = 'end-name';
            this.name = [];
          } else if (byte === BANG) {
            this.state = 'bang';
            this.bang = '';
          } else if (byte === QUESTION) {
            // Whole reading looks for ?> from this very ?, as here.
            this.state = 'pi';
            this.matched = 1;
          } else if (isNameStart(byte)) {
            this.state = 'start-name';
            this.name = [byte];
          } else {
            return 'a < that starts no markup';
          }
          break;
        }
        case 'start-name':
          if (isNameByte(byte)) {
            this.name.push(byte);
          } else if (isSpace(byte) || byte === SLASH || byte === GT) {
            this.state = 'attrs';
            this.selfClosing = false;
            i -= 1; // this byte belongs to the attributes
          } else {
            // Whole reading would take `a"b"` or `a=b` for the name.
            return 'a tag name followed by neither space, / nor >';
          }
          break;
        case 'attrs':
          if (this.quote !== 0) {
            i = this.skipQuoted(chunk, i);
          } else if (byte === GT) {
            const decline = this.startTag() ?? keepAfter(i);
            if (decline) return decline;
          } else if (byte === LT) {
            return 'a < inside a tag';
          } else if (this.selfClosing) {
            return 'a / inside a tag, not just before its >';
          } else {
            if (byte === DQUOTE || byte === SQUOTE) this.quote = byte;
            this.selfClosing = byte === SLASH;
          }
          break;
        case 'end-name':
          if (this.name.length === 0 ? isNameStart(byte) : isNameByte(byte)) {
            this.name.push(byte);
          } else if (byte === GT) {
            const decline = this.endTag() ?? keepAfter(i);
            if (decline) return decline;
          } else if (isSpace(byte)) {
            this.state = 'end-space';
          } else {
            return 'an end tag with something after its name';
          }
          break;
        case 'end-space':
          if (byte === GT) {
            const decline = this.endTag() ?? keepAfter(i);
            if (decline) return decline;
          } else if (!isSpace(byte)) {
            return 'an end tag with something after its name';
          }
          break;
        case 'bang':
          // <!-- or <![CDATA[; any other declaration is left to whole reading.
          this.bang += String.fromCharCode(byte);
          if (this.bang === COMMENT_OPEN) {
            this.state = 'comment';
            this.matched = 0;
          } else if (this.bang === CDATA_OPEN) {
            this.state = 'cdata';
            this.matched = 0;
          } else if (
            !COMMENT_OPEN.startsWith(this.bang) &&
            !CDATA_OPEN.startsWith(this.bang)
          ) {
            return 'an XML declaration (<!...)';
          }
          break;
        case 'comment':
          i = this.closeOf(chunk, i, COMMENT_CLOSE);
          break;
        case 'cdata':
          i = this.closeOf(chunk, i, CDATA_CLOSE);
          break;
        case 'pi':
          // Quoted values in an instruction are skipped, as in a tag.
          if (this.quote !== 0) {
            i = this.skipQuoted(chunk, i);
          } else if (byte === DQUOTE || byte === SQUOTE) {
            this.quote = byte;
            this.matched = 0;
          } else if (this.matched === 1 && byte === GT) {
            this.state = 'text';
            this.matched = 0;
          } else {
            this.matched = byte === QUESTION ? 1 : 0;
          }
          break;
      }
    }
    if (keepFrom !== -1) kept.push(chunk.subarray(keepFrom));
    if (this.entryFrom !== -1) {
      this.entryParts.push(Buffer.from(chunk.subarray(this.entryFrom)));
    }
    return null;
  }

  end(): Buffer | Decline {
    if (this.state !== 'text' || this.names.length > 0 || !this.closedRoot) {
      return 'the XML ends inside an element or a tag, or has no root';
    }
    return Buffer.concat(this.kept);
  }

  // Inside a list of the root, and not in one kept whole.
  private atListDepth(): boolean {
    return this.names.length === 2 && !KEPT_WHOLE.has(this.names[1] ?? '');
  }

  private startTag(): Decline {
    this.state = 'text';
    const name = Buffer.from(this.name).toString('utf8');
    if (this.names.length === 0 && this.closedRoot) {
      return 'a second root element';
    }
    // Whole reading refuses these names, and nesting past 100 elements.
    if (CRITICAL_NAMES.has(name)) return `an element named ${name}`;
    if (this.names.length >= MAX_DEPTH) return 'elements nested too deep';
    if (this.dropping === this.names.length) this.entry = name;
    if (this.selfClosing) return this.closed();
    this.names.push(name);
    return null;
  }

  private endTag(): Decline {
    this.state = 'text';
    const name = Buffer.from(this.name).toString('utf8');
    if (this.names.pop() !== name) return `an end tag </${name}> out of place`;
    return this.closed();
  }

  // An element ended; an entry is kept as an empty one of its name.
  private closed(): Decline {
    if (this.names.length === 0) this.closedRoot = true;
    if (this.dropping === this.names.length) {
      this.dropping = -1;
      this.entryDone = true;
    }
    return null;
  }

  /**
   * Skips to the quote that closes the quoted value being read, across
   * chunks; the index to go on from.
   */
  private skipQuoted(chunk: Buffer, from: number): number {
    const close = chunk.indexOf(this.quote, from);
    if (close === -1) return chunk.length;
    this.quote = 0;
    return close;
  }

  /**
   * Looks for the end of a comment or CDATA section from
   * `from`, across chunks; the index of its last byte, or the chunk's end.
   */
  private closeOf(chunk: Buffer, from: number, close: Buffer): number {
    for (let i = from; i < chunk.length; i += 1) {
      const byte = chunk[i] as number;
      if (byte === close[this.matched]) {
        this.matched += 1;
        if (this.matched === close.length) {
          this.matched = 0;
          this.state = 'text';
          return i;
        }
      } else if (byte === close[0]) {
        // `--->` and `]]]>`: a run of the first byte keeps what matched.
        this.matched = this.matched === 2 && close[1] === close[0] ? 2 : 1;
      } else {
        this.matched = 0;
      }
    }
    return chunk.length;
  }
}

// The tags SPDX tag-value reading looks at (readSpdxTagValue).
const READ_TAGS =
  /^(?:SPDXVersion|Created|DocumentName|DocumentNamespace|Creator|PackageName|FileName):/;
// Where a regular expression's ^ and $ see a line start and end.
const LINE_END = TAG_VALUE_LINE_END;
// Whole reading tells tag-value by the first 4096 characters: they stay.
const HEAD_CHARS = 4096;
const MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Condenses an SPDX tag-value SBOM: the first 4096 characters (to the end
 * of their last line) are kept as written, and after them only the lines
 * of the tags that are read (versions, names, creators, packages and
 * files, which are counted). Declines text that is not UTF-8 and lines
 * over 16 Mi characters.
 */
export class TagValueCondenser implements Condenser {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly kept: Buffer[] = [];
  /** The head, kept as written, while it is still being read. */
  private headText = '';
  private verbatim = true;
  private carry = '';
  /** Inside a multi-line <text> value, and whether its opening was kept. */
  private inside = false;
  private openingKept = false;

  write(chunk: Buffer): Decline {
    let text: string;
    try {
      text = this.carry + this.decoder.decode(chunk, { stream: true });
    } catch {
      return 'bytes that are not UTF-8';
    }
    this.carry = this.take(text);
    return this.carry.length > MAX_LINE_CHARS ? 'a line too long' : null;
  }

  end(): Buffer | Decline {
    let rest: string;
    try {
      rest = this.carry + this.decoder.decode();
    } catch {
      return 'bytes that are not UTF-8';
    }
    if (this.verbatim) this.kept.push(Buffer.from(rest, 'utf8'));
    else this.line(rest, '');
    return Buffer.concat(this.kept);
  }

  /**
   * Keeps what is to be kept of the text's complete lines, copied out (a
   * slice would hold on to the whole text); returns the unfinished line.
   */
  private take(text: string): string {
    let start = 0;
    if (this.verbatim) {
      const from = Math.max(0, HEAD_CHARS - this.headText.length);
      const end = from < text.length ? text.slice(from).search(LINE_END) : -1;
      if (end === -1) {
        this.kept.push(Buffer.from(text, 'utf8'));
        this.headText += text;
        return '';
      }
      start = from + end + 1;
      this.kept.push(Buffer.from(text.slice(0, start), 'utf8'));
      this.endHead(this.headText + text.slice(0, start));
    }
    for (;;) {
      const rest = text.slice(start);
      const end = rest.search(LINE_END);
      if (end === -1) return rest;
      this.line(rest.slice(0, end), '\n');
      start += end + 1;
    }
  }

  // Every line of the head is kept: a <text> value open at its end was
  // opened in the condensed text too.
  private endHead(head: string): void {
    for (const line of head.split(LINE_END)) {
      this.inside = insideTextAfter(line, this.inside);
    }
    this.openingKept = this.inside;
    this.verbatim = false;
    this.headText = '';
  }

  /**
   * A line past the head: kept when it is a read tag outside any <text>
   * value, or when it closes a value whose opening was kept, so that the
   * condensed text opens and closes the same values around what it keeps.
   */
  private line(line: string, end: string): void {
    const startsInside = this.inside;
    this.inside = insideTextAfter(line, startsInside);
    const keep = startsInside
      ? this.openingKept && line.includes('</text>')
      : READ_TAGS.test(line);
    if (keep) this.kept.push(Buffer.from(`${line}${end}`));
    if (keep || !startsInside) this.openingKept = keep && this.inside;
  }
}

/**
 * An entry as the condensed text keeps it: an element of its name with
 * only what CycloneDX XML reading takes from it (readCycloneDxXml and
 * xmlBomRefWarnings): the `bom-ref` and `ref` attributes, and the nested
 * components, services, dependencies and `provides` that carry them.
 * Null when the entry is not well-formed: whole reading would refuse it.
 */
function refsOnly(name: string, parts: Buffer[]): string | null {
  const text = Buffer.concat(parts).toString('utf8');
  if (XMLValidator.validate(text) !== true) return null;
  const parsed = ENTRY_PARSER.parse(text) as Record<string, unknown>;
  return skeleton(name, parsed[name]);
}

const ENTRY_PARSER = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
});

function skeleton(name: string, node: unknown): string {
  if (!isObject(node)) return `<${name}/>`;
  const attributes = ['bom-ref', 'ref']
    .filter((a) => typeof node[`@_${a}`] === 'string')
    .map((a) => ` ${a}="${escapeAttribute(String(node[`@_${a}`]))}"`)
    .join('');
  const inner = [
    list(node.components, 'components', 'component'),
    list(node.services, 'services', 'service'),
    ...childrenOf(node, 'dependency').map((c) => skeleton('dependency', c)),
    ...childrenOf(node, 'provides').map((c) => skeleton('provides', c)),
  ].join('');
  return inner
    ? `<${name}${attributes}>${inner}</${name}>`
    : `<${name}${attributes}/>`;
}

function list(value: unknown, name: string, child: string): string {
  if (value === undefined) return '';
  if (!isObject(value)) return `<${name}/>`;
  const children = childrenOf(value, child).map((c) => skeleton(child, c));
  return `<${name}>${children.join('')}</${name}>`;
}

// The entities the XML parser decodes in attribute values, so that it
// reads back exactly the value it read from the entry.
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

// Names as XML allows them, by byte: ASCII letters, _ and :, and any
// byte of a multi-byte UTF-8 character; then also digits, - and .
function isNameStart(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    byte === 0x5f ||
    byte === 0x3a ||
    byte >= 0x80
  );
}

function isNameByte(byte: number): boolean {
  return (
    isNameStart(byte) ||
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2d ||
    byte === 0x2e
  );
}
