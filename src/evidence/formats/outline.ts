import { isObject, type JsonObject } from './shared.js';

/**
 * How a format's reader wants the entries of a document's long lists
 * kept when the document is too large to hold whole: each rule takes one
 * entry, fully parsed, and returns what the reader still needs of it.
 * Paths are a document's keys from its root, with `*` for any entry of
 * a list (`runs.*.results.*`). A rule must leave every fact the reader
 * takes from the entry unchanged: an entry that is not an object stays
 * a non-object, and a key the reader looks at keeps its value.
 */
export type OutlineRules = Readonly<
  Record<string, (entry: unknown) => unknown>
>;

/** A document format that can be read from its outline, and its rules. */
export interface Outline {
  formats: readonly string[];
  rules: OutlineRules;
}

/** The named members of an object entry; anything else becomes null. */
export function keepOnly(...keys: string[]): (entry: unknown) => unknown {
  return (entry) => (isObject(entry) ? pick(entry, keys) : null);
}

/** An entry that a reader only counts. */
export function countOnly(): null {
  return null;
}

/** A copy holding only the keys the object has among those named. */
export function pick(value: JsonObject, keys: readonly string[]): JsonObject {
  const kept: JsonObject = {};
  for (const key of keys) {
    if (Object.hasOwn(value, key)) {
      Object.defineProperty(kept, key, {
        value: value[key],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
  return kept;
}
