import { expect } from 'vitest';
import {
  DEFAULT_POLICY,
  DETECTOR_NAMES,
  findAll,
  isQuietField,
} from '../../src/redaction/index.js';

const ALL_DETECTORS = new Set(DETECTOR_NAMES);
const FIELD_NAMES = new Set(
  DEFAULT_POLICY.fields.map((f) => f.path.split('.').at(-1)?.toLowerCase()),
);

/** Every leaf of a JSON value by path; strings holding JSON are opened. */
export function leavesOf(
  value: unknown,
  at = '',
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      return leavesOf(JSON.parse(value) as unknown, `${at}#`, out);
    } catch {
      // Not JSON after all: a plain string leaf.
    }
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => leavesOf(item, `${at}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      leavesOf(item, `${at}.${key}`, out);
    }
  } else {
    out.set(at, value);
  }
  return out;
}

/**
 * True when a leaf holds nothing the default policy redacts, judged
 * independently of the redactor: no field rule names it and no detector
 * finds anything in it, percent escapes decoded.
 */
export function isClean(leafPath: string, value: unknown): boolean {
  const key = /\.([^.[\]#]+)(?:\[\d+\])*#?$/.exec(leafPath)?.[1];
  if (key !== undefined && FIELD_NAMES.has(key.toLowerCase())) return false;
  if (typeof value === 'number') return value < 1e12;
  if (typeof value !== 'string') return true;
  let text = value;
  try {
    text = decodeURIComponent(value);
  } catch {
    // A stray '%': the text as it is.
  }
  return findAll(text, ALL_DETECTORS, isQuietField(key)).length === 0;
}

/**
 * Compares an audit line before and after redaction: the same fields, every
 * clean leaf equal, and counts of the leaves kept and changed.
 */
export function compareLeaves(
  beforeLine: string,
  afterLine: string,
): { kept: number; redacted: number } {
  const before = leavesOf(JSON.parse(beforeLine) as unknown);
  const after = leavesOf(JSON.parse(afterLine) as unknown);
  expect([...after.keys()]).toEqual([...before.keys()]);
  let kept = 0;
  let redacted = 0;
  for (const [leaf, value] of before) {
    if (isClean(leaf, value)) {
      expect(after.get(leaf), leaf).toEqual(value);
      kept += 1;
    } else if (after.get(leaf) !== value) {
      redacted += 1;
    }
  }
  return { kept, redacted };
}
