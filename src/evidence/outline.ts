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

/** One JSON document read as a stream, and the digest of its bytes. */
export interface OutlinedJson {
  /** The document, with the entries of its long lists cut down. */
  value: unknown;
  sha512: string;
  size: number;
}

// Whole-file reading refuses a file that holds a private key anywhere; a
// file that might is left to it, so that the refusal is the same.
const PRIVATE_KEY = Buffer.from('PRIVATE KEY');

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
  const hash = createHash('sha512');
  const builder = new OutlineBuilder(rules);
  let size = 0;
  let tail: Buffer = Buffer.alloc(0);
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      const seam = Buffer.concat([tail, chunk.subarray(0, PRIVATE_KEY.length)]);
      if (seam.includes(PRIVATE_KEY) || chunk.includes(PRIVATE_KEY)) {
        return null;
      }
      tail = chunk.subarray(-(PRIVATE_KEY.length - 1));
      builder.write(chunk);
    }
    const value = builder.end();
    return value.done
      ? { value: value.root, sha512: hash.digest('hex'), size }
      : null;
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
