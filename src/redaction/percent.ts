/** Text with its percent escapes decoded, and where each char came from. */
export interface Decoded {
  text: string;
  /** For each UTF-16 unit of `text`: its [start, end) in the original. */
  from: Int32Array;
  to: Int32Array;
}

const ESCAPE = /%[0-9A-Fa-f]{2}/;
const utf8 = new TextDecoder('utf-8');

/** True when `text` holds at least one percent escape (RFC 3986 §2.1). */
export function hasPercentEscape(text: string): boolean {
  return ESCAPE.test(text);
}

/**
 * Decodes percent escapes leniently: a run of escapes is decoded as UTF-8
 * (bad bytes become U+FFFD), anything else is kept as it is, so a URL with
 * one stray '%' still shows the addresses it carries.
 */
export function decodePercent(text: string): Decoded {
  const out: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  let i = 0;
  while (i < text.length) {
    const runEnd = escapeRunEnd(text, i);
    if (runEnd === i) {
      out.push(text[i] as string);
      from.push(i);
      to.push(i + 1);
      i += 1;
      continue;
    }
    decodeRun(text, i, runEnd, out, from, to);
    i = runEnd;
  }
  return {
    text: out.join(''),
    from: Int32Array.from(from),
    to: Int32Array.from(to),
  };
}

function escapeRunEnd(text: string, start: number): number {
  let end = start;
  while (ESCAPE.test(text.slice(end, end + 3)) && text[end] === '%') end += 3;
  return end;
}

function decodeRun(
  text: string,
  start: number,
  end: number,
  out: string[],
  from: number[],
  to: number[],
): void {
  const bytes = new Uint8Array((end - start) / 3);
  for (let b = 0; b < bytes.length; b += 1) {
    bytes[b] = parseInt(text.slice(start + b * 3 + 1, start + b * 3 + 3), 16);
  }
  // ASCII bytes map one to one; a multi-byte character maps to its run.
  let b = 0;
  while (b < bytes.length) {
    const byte = bytes[b] as number;
    const width = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    const slice = bytes.subarray(b, Math.min(bytes.length, b + width));
    const chars = utf8.decode(slice);
    for (let c = 0; c < chars.length; c += 1) {
      out.push(chars[c] as string);
      from.push(start + b * 3);
      to.push(start + (b + slice.length) * 3);
    }
    b += slice.length;
  }
}
