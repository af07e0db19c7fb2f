/** One line of the checksum index. */
export interface IndexLine {
  path: string;
  sha512: string;
}

/**
 * Writes SHA512SUMS in the text form `sha512sum -c` reads (GNU coreutils):
 * "<128 hex>  <path>" per line (two spaces: text mode), LF endings, sorted
 * by the path's UTF-8 bytes so the order does not depend on any locale.
 * Paths never hold a backslash or newline (see names.ts), so none needs
 * coreutils' escaping.
 */
export function toChecksumIndex(lines: readonly IndexLine[]): Buffer {
  const sorted = [...lines].sort((a, b) =>
    Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)),
  );
  const text = sorted.map((l) => `${l.sha512}  ${l.path}\n`).join('');
  return Buffer.from(text, 'utf8');
}

export interface ParsedIndex {
  entries: Map<string, string>;
  /** Lines that are not "<hex>  <path>", or repeat a path. */
  malformed: { line: number; message: string }[];
}

const LINE = /^([0-9a-f]{128}) [ *](.+)$/;

/** Reads a checksum index, keeping every well-formed line. */
export function parseChecksumIndex(data: Buffer): ParsedIndex {
  const parsed: ParsedIndex = { entries: new Map(), malformed: [] };
  const text = data.toString('utf8');
  if (text === '') {
    parsed.malformed.push({ line: 1, message: 'the index is empty' });
    return parsed;
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  else parsed.malformed.push({ line: lines.length, message: 'no final LF' });
  lines.forEach((line, i) => readLine(parsed, line, i + 1));
  return parsed;
}

function readLine(parsed: ParsedIndex, line: string, number: number) {
  const match = LINE.exec(line);
  if (!match) {
    parsed.malformed.push({
      line: number,
      message: 'expected "<128 lowercase hex>  <path>"',
    });
    return;
  }
  const [, sha512, path] = match as unknown as [string, string, string];
  if (parsed.entries.has(path)) {
    parsed.malformed.push({ line: number, message: `${path} listed twice` });
    return;
  }
  parsed.entries.set(path, sha512);
}
