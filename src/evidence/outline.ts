import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  Tokenizer,
  TokenParser,
  type ParsedElementInfo,
  type ParsedTokenInfo,
  TokenType,
} from '@streamparser/json';
import { CYCLONEDX_OUTLINE } from './formats/cyclonedx.js';
import type { Outline, OutlineRules } from './formats/outline.js';
import { SCANNER_OUTLINE } from './formats/scanners.js';
import { SPDX_OUTLINE } from './formats/spdx.js';
import { MAX_JSON_DEPTH } from './formats/shared.js';
import { TagValueCondenser, XmlCondenser } from './condense.js';

/** The document formats read from an outline, with their rules. */
export const OUTLINES: readonly Outline[] = [
  CYCLONEDX_OUTLINE,
  SPDX_OUTLINE,
  SCANNER_OUTLINE,
];

/** Every format whose reader can be given an outline. */
export const OUTLINED_FORMATS: ReadonlySet<string> = new Set(
  OUTLINES.flatMap((o) => o.formats),
);

const RULES: OutlineRules = Object.assign(
  {},
  ...OUTLINES.map((o) => o.rules),
) as OutlineRules;

/** The bytes of a file read once as a stream. */
export interface Digest {
  sha512: string;
  size: number;
}

/** One JSON document read as a stream, and the digest of its bytes. */
export interface OutlinedJson extends Digest {
  /** The document, with the entries of its long lists cut down. */
  value: unknown;
}

/**
 * Reads a JSON document from a file without holding it whole: each entry
 * of a long list (a BOM's components, an SBOM's packages, a scan's
 * results) is parsed on its own and cut down by its format's rule to
 * what the format's reader takes from it, so memory follows the size of
 * the largest entry and the number of entries, not the size of the file.
 *
 * Null when the file is anything but one JSON value nested at most as
 * deep as whole-file reading allows, or when it mentions a private key:
 * the caller then reads it whole, which decides and says why.
 */
export async function outlineJsonFile(
  file: string,
  rules: OutlineRules = RULES,
): Promise<OutlinedJson | null> {
  const builder = new OutlineBuilder(rules);
  const digest = await streamFile(file, new Tripwire(PRIVATE_KEY), (chunk) => {
    builder.write(chunk);
    return null;
  });
  if (!digest) return null;
  try {
    const value = builder.end();
    return value.done ? { ...digest, value: value.root } : null;
  } catch {
    return null;
  }
}

/** A text SBOM condensed as it streams (condense.ts), and its digest. */
export interface CondensedText extends Digest {
  text: Buffer;
}

/**
 * Condenses a CycloneDX XML or SPDX tag-value file as it streams past.
 * Null when the condenser declines, or when the file mentions a private
 * key, holds a NUL byte, or (XML) a DOCTYPE anywhere: whole reading
 * refuses or decides those by looking at every byte.
 */
export async function condenseFile(
  file: string,
  condenser: XmlCondenser | TagValueCondenser,
): Promise<CondensedText | null> {
  const xml = condenser instanceof XmlCondenser;
  const tripwire = new Tripwire(PRIVATE_KEY, '\0', ...(xml ? [DOCTYPE] : []));
  const digest = await streamFile(file, tripwire, (chunk) =>
    condenser.write(chunk),
  );
  if (!digest) return null;
  const text = condenser.end();
  return Buffer.isBuffer(text) ? { ...digest, text } : null;
}

// Whole-file reading refuses a file that holds a private key anywhere,
// and XML with a DOCTYPE anywhere, in any case; a file that might is left
// to it.
const PRIVATE_KEY = 'PRIVATE KEY';
const DOCTYPE = /<!doctype/i;

/**
 * Trips on any of a few ASCII strings or patterns anywhere in a stream
 * of chunks, across their seams too (patterns up to 16 bytes long).
 */
class Tripwire {
  private readonly words: (string | RegExp)[];
  private tail = '';

  constructor(...words: (string | RegExp)[]) {
    this.words = words;
  }

  trips(chunk: Buffer): boolean {
    const text = this.tail + chunk.toString('latin1');
    this.tail = text.slice(-15);
    return this.words.some((word) =>
      typeof word === 'string' ? text.includes(word) : word.test(text),
    );
  }
}

/**
 * Streams a file through `sink`, hashing it on the way. Null when the
 * tripwire trips, the sink declines or throws, or the file cannot be read.
 */
async function streamFile(
  file: string,
  tripwire: Tripwire,
  sink: (chunk: Buffer) => string | null,
): Promise<Digest | null> {
  const hash = createHash('sha512');
  let size = 0;
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (tripwire.trips(chunk) || sink(chunk) !== null) return null;
    }
    return { sha512: hash.digest('hex'), size };
  } catch {
    return null;
  } finally {
    stream.destroy();
  }
}

/**
 * Builds the outline from a stream of JSON tokens. Throws on anything
 * that is not one JSON value (bad syntax, trailing content) or that nests
 * deeper than MAX_JSON_DEPTH.
 */
class OutlineBuilder {
  private readonly tokenizer = new Tokenizer();
  private readonly parser: TokenParser;
  private depth = 0;
  private done = false;
  private root: unknown = undefined;

  constructor(private readonly rules: OutlineRules) {
    const paths = ['$', ...Object.keys(rules).map((p) => `$.${p}`)];
    this.parser = new TokenParser({ paths, keepStack: true });
    this.parser.onValue = (info) => this.onValue(info);
    this.parser.onEnd = () => undefined;
    this.tokenizer.onToken = (info) => this.onToken(info);
  }

  write(chunk: Buffer): void {
    this.tokenizer.write(chunk);
  }

  end(): { done: boolean; root: unknown } {
    if (!this.tokenizer.isEnded) this.tokenizer.end();
    return { done: this.done, root: this.root };
  }

  private onToken(info: ParsedTokenInfo): void {
    if (this.done) throw new Error('content after the JSON value');
    if (info.token === TokenType.LEFT_BRACE) this.deeper();
    else if (info.token === TokenType.LEFT_BRACKET) this.deeper();
    else if (
      info.token === TokenType.RIGHT_BRACE ||
      info.token === TokenType.RIGHT_BRACKET
    ) {
      this.depth -= 1;
    }
    this.parser.write(info);
  }

  private deeper(): void {
    this.depth += 1;
    if (this.depth > MAX_JSON_DEPTH) {
      throw new Error(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
  }

  private onValue({ value, key, parent, stack }: ParsedElementInfo): void {
    if (stack.length === 0) {
      this.root = value;
      this.done = true;
      return;
    }
    // Rules cut down list entries; a same-named object member is kept.
    if (!Array.isArray(parent) || typeof key !== 'number') return;
    const path = [...stack.slice(1).map((s) => s.key), key]
      .map((k) => (typeof k === 'number' ? '*' : String(k)))
      .join('.');
    const rule = this.rules[path];
    if (rule) parent[key] = rule(value) as (typeof parent)[number];
  }
}
