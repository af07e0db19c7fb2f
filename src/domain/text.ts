/**
 * Text that PostgreSQL can hold. Its text and jsonb types take neither
 * NUL (U+0000) nor a lone UTF-16 surrogate, both of which JSON can carry
 * (`"\u0000"`, `"\ud800"`). Evidence keeps its own bytes in object
 * storage; only what the index says about it goes through here.
 */

// A NUL, a high surrogate without its low half, or a low one without its
// high half.
const UNSTORABLE =
  /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** True when the text holds a NUL or a lone surrogate. */
export function hasUnstorable(text: string): boolean {
  return UNSTORABLE.test(text);
}

/** The text with every NUL and lone surrogate shown as U+FFFD. */
export function storableText(text: string): string {
  return hasUnstorable(text) ? text.replace(UNSTORABLE_ALL, '\uFFFD') : text;
}

/**
 * A JSON value whose strings and keys are storable text, and whether
 * anything had to change. Values are copied only where they change.
 */
export function storableJson<T>(value: T): { value: T; changed: boolean } {
  let changed = false;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const text = storableText(v);
      if (text !== v) changed = true;
      return text;
    }
    if (Array.isArray(v)) return v.map(visit);
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        const name = storableText(key);
        if (name !== key) changed = true;
        Object.defineProperty(copy, name, {
          value: visit(item),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return copy;
    }
    return v;
  };
  const result = visit(value) as T;
  return { value: changed ? result : value, changed };
}

/** True when a name or claim holds a control or bidirectional-override character. */
export function hasControlCharacters(text: string): boolean {
  // C0 and C1 controls, and the bidi embeddings, overrides and isolates
  // that can make a name read differently from what it is.
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text);
}

/**
 * True for a name shown to people and kept in audit trails: 1 to 200
 * characters (code points, not UTF-16 units), not blank, and free of
 * control, format (zero-width, bidi) and unpaired-surrogate characters,
 * and of U+FFFD, which stands for bytes that were not text.
 */
export function isPlainName(name: string): boolean {
  const length = [...name].length;
  return (
    length >= 1 &&
    length <= 200 &&
    name.trim() !== '' &&
    !/[\p{Cc}\p{Cf}\p{Cs}\uFFFD]/u.test(name)
  );
}
