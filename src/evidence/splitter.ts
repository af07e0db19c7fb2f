import { createReadStream } from 'node:fs';

/**
 * One line of a file, without its LF, numbered from 1 like an editor does.
 * A line over the length limit comes without its bytes: they were dropped
 * as they went by, so a huge line never sits in memory.
 */
export type Line =
  | { line: number; bytes: Buffer }
  | { line: number; bytes: null; overlong: true };

const LF = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Cuts a byte stream into lines at LF. Lines are cut as bytes, before
 * decoding: LF never occurs inside a UTF-8 sequence, so decoding each line
 * reads the same text as decoding the whole file and splitting it.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private overlong = false;
  private line = 1;

  constructor(private readonly maxBytes: number) {}

  /** The lines a chunk completes; its unfinished tail is kept. */
  *push(chunk: Buffer): Generator<Line> {
    let start = 0;
    let end = chunk.indexOf(LF);
    while (end !== -1) {
      this.take(chunk.subarray(start, end));
      yield this.finish();
      start = end + 1;
      end = chunk.indexOf(LF, start);
    }
    this.take(chunk.subarray(start));
  }

  /** The last line when the file does not end with LF. */
  *end(): Generator<Line> {
    if (this.size > 0 || this.overlong) yield this.finish();
  }

  private take(piece: Buffer): void {
    if (piece.length === 0 || this.overlong) return;
    if (this.size + piece.length > this.maxBytes) {
      this.overlong = true;
      this.parts = [];
      return;
    }
    this.parts.push(piece);
    this.size += piece.length;
  }

  private finish(): Line {
    const line = this.line++;
    const result: Line = this.overlong
      ? { line, bytes: null, overlong: true }
      : { line, bytes: Buffer.concat(this.parts, this.size) };
    this.parts = [];
    this.size = 0;
    this.overlong = false;
    return result;
  }
}

/** Yields a file's lines, reading it a chunk at a time. */
export async function* readLines(
  file: string,
  maxBytes: number,
): AsyncGenerator<Line> {
  const splitter = new LineSplitter(maxBytes);
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    yield* splitter.push(chunk);
  }
  yield* splitter.end();
}

/**
 * A line's text: UTF-8, a byte order mark dropped from the first line
 * (as whole-file detection drops it from the file). The CR of a CRLF end
 * is left for the JSON Lines reader, which cuts it in both paths.
 */
export function lineText(line: number, bytes: Buffer): string {
  const start = line === 1 && bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
  return bytes.toString('utf8', start);
}
