import { createHmac } from 'node:crypto';
import { findAll, type DetectorName, type Finding } from './detectors.js';
import { isQuietField } from './fields.js';
import { FieldPath } from './paths.js';
import { decodePercent, hasPercentEscape } from './percent.js';
import type { RedactionAction, RedactionPolicy } from './policy.js';

/** Returned in place of a value a `drop` rule removes. */
export const DROPPED: unique symbol = Symbol('dropped');

interface FieldRule {
  name: string;
  path: FieldPath;
  action: RedactionAction;
}

/** The detectors to run and what each does, plus the field rules. */
export interface RedactorRules {
  detectors: Partial<Record<DetectorName, RedactionAction>>;
  fields: readonly { path: string; action: RedactionAction }[];
}

/** The rules of a policy, as its redaction stage applies them. */
export function rulesOf(policy: RedactionPolicy): RedactorRules {
  return { detectors: policy.detectors, fields: policy.fields };
}

/**
 * Applies redaction rules to parsed JSON values and to text: detectors
 * inside every string (and every key), at any depth, inside strings that
 * hold JSON and behind percent escapes; field rules on whole values by
 * path. Unchanged input comes back as the very same value, so callers can
 * keep the original bytes. Counts what each rule matched, never the values.
 */
export class Redactor {
  private readonly enabled: ReadonlySet<DetectorName>;
  private readonly fieldRules: FieldRule[];
  private readonly hint: RegExp | null;
  /** Last keys of the field rules, or null when one ends in a wildcard. */
  private readonly ruleKeys: ReadonlySet<string> | null;
  /** Object keys seen to hold nothing; bounded (see CLEAN_KEYS_MAX). */
  private readonly cleanKeys = new Set<string>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly rules: RedactorRules,
    /** The per-bundle key of pseudonyms. */
    private readonly key: Uint8Array,
  ) {
    this.enabled = new Set(Object.keys(rules.detectors) as DetectorName[]);
    this.fieldRules = rules.fields.map((f) => ({
      name: `field:${f.path}`,
      path: new FieldPath(f.path),
      action: f.action,
    }));
    this.hint = fieldHint(this.fieldRules);
    const lastKeys = this.fieldRules.map((r) => r.path.lastKey);
    this.ruleKeys = lastKeys.includes(null)
      ? null
      : new Set(lastKeys as string[]);
  }

  /** Matches per rule since the last call, and starts counting afresh. */
  takeCounts(): Map<string, number> {
    const taken = new Map(this.counts);
    this.counts.clear();
    return taken;
  }

  /**
   * A cheap look at raw JSON or text: false when no rule can match it, so
   * it need not be parsed. Escaped characters (`\u0040`, `%40`) always
   * count as a possible match.
   */
  mayMatch(raw: string): boolean {
    if (raw.includes('\\u') || hasPercentEscape(raw)) return true;
    if (this.hint?.test(raw)) return true;
    return findAll(raw, this.enabled).length > 0;
  }

  /**
   * The value with the rules applied; `keys` are the keys above it. The
   * same value is returned when nothing matched, DROPPED when it goes.
   */
  redact(value: unknown, keys: readonly string[] = []): unknown {
    if (typeof value === 'string') return this.redactString(value, keys);
    if (typeof value === 'number') return this.redactNumber(value, keys);
    if (Array.isArray(value)) return this.redactArray(value, keys);
    if (value !== null && typeof value === 'object') {
      return this.redactObject(value as Record<string, unknown>, keys);
    }
    return value;
  }

  private redactArray(items: unknown[], keys: readonly string[]): unknown {
    let changed = false;
    const out: unknown[] = [];
    for (const item of items) {
      const next = this.redact(item, keys);
      if (next !== item) changed = true;
      if (next !== DROPPED) out.push(next);
    }
    return changed ? out : items;
  }

  private redactObject(
    object: Record<string, unknown>,
    keys: readonly string[],
  ): unknown {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(object)) {
      const path = [...keys, key];
      const rule = this.fieldRuleFor(path);
      const next = rule
        ? this.applyField(rule, value)
        : this.redact(value, path);
      const newKey = this.redactKey(key);
      if (next !== value || newKey !== key) changed = true;
      if (next === DROPPED || newKey === DROPPED) continue;
      out[newKey as string] = next;
    }
    return changed ? out : object;
  }

  private fieldRuleFor(path: readonly string[]): FieldRule | undefined {
    if (this.fieldRules.length === 0) return undefined;
    const last = (path.at(-1) as string).toLowerCase();
    if (this.ruleKeys && !this.ruleKeys.has(last)) return undefined;
    return this.fieldRules.find((r) => r.path.matches(path));
  }

  /**
   * Keys are scanned without the context of their parent, so a key found
   * clean once is clean everywhere and is not scanned again.
   */
  private redactKey(key: string): unknown {
    if (this.cleanKeys.has(key)) return key;
    const next = this.redactString(key, []);
    if (next === key && this.cleanKeys.size < CLEAN_KEYS_MAX) {
      this.cleanKeys.add(key);
    }
    return next;
  }

  private applyField(rule: FieldRule, value: unknown): unknown {
    if (value === null || value === '') return value;
    this.count(rule.name);
    if (rule.action === 'drop') return DROPPED;
    if (rule.action === 'mask') return `[redacted:${rule.name}]`;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return this.pseudonym(rule.name, text);
  }

  private redactNumber(value: number, keys: readonly string[]): unknown {
    if (!Number.isSafeInteger(value) || value < 1e12) return value;
    if (isQuietField(keys.at(-1))) return value;
    const [finding] = findAll(String(value), this.enabled);
    if (!finding) return value;
    return this.replace(String(value), [finding]);
  }

  private redactString(text: string, keys: readonly string[]): unknown {
    const nested = this.redactNestedJson(text, keys);
    if (nested) return nested.value;
    const quiet = isQuietField(keys.at(-1));
    if (hasPercentEscape(text)) return this.redactEncoded(text, quiet);
    const findings = findAll(text, this.enabled, quiet);
    return findings.length === 0 ? text : this.replace(text, findings);
  }

  /** A string holding a JSON object or array is redacted as JSON. */
  private redactNestedJson(
    text: string,
    keys: readonly string[],
  ): { value: unknown } | undefined {
    const first = text.trimStart()[0];
    if (first !== '{' && first !== '[') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const next = this.redact(parsed, keys);
    if (next === parsed) return { value: text };
    return { value: next === DROPPED ? DROPPED : JSON.stringify(next) };
  }

  /**
   * Finds values behind percent escapes (`user%40example.com`, a zone id
   * `%25eth0`) and replaces the escaped text, writing the replacement
   * percent-encoded where the original was, so the URL stays a URL.
   */
  private redactEncoded(text: string, quiet: boolean): unknown {
    const decoded = decodePercent(text);
    const found = findAll(decoded.text, this.enabled, quiet);
    if (found.length === 0) return text;
    const mapped = found.map((f) => ({
      detector: f.detector,
      start: decoded.from[f.start] as number,
      end: decoded.to[f.end - 1] as number,
      value: decoded.text.slice(f.start, f.end),
    }));
    return this.replace(text, mapped, true);
  }

  private replace(
    text: string,
    findings: (Finding & { value?: string })[],
    encoded = false,
  ): unknown {
    let out = '';
    let at = 0;
    for (const f of findings) {
      const action = this.rules.detectors[f.detector] ?? 'mask';
      this.count(f.detector);
      if (action === 'drop') return DROPPED;
      const value = f.value ?? text.slice(f.start, f.end);
      const token =
        action === 'mask'
          ? `[redacted:${f.detector}]`
          : this.pseudonym(f.detector, value);
      const original = text.slice(f.start, f.end);
      out += text.slice(at, f.start);
      out += encoded && original !== value ? encodeURIComponent(token) : token;
      at = f.end;
    }
    return out + text.slice(at);
  }

  /**
   * `[rule:16 hex]`: HMAC-SHA-256 of the rule and value under the bundle's
   * key, so one value reads the same throughout a bundle and cannot be
   * linked across bundles or guessed without the key.
   */
  private pseudonym(rule: string, value: string): string {
    const mac = createHmac('sha256', this.key)
      .update(rule)
      .update('\0')
      .update(value)
      .digest('hex');
    return `[${rule}:${mac.slice(0, 16)}]`;
  }

  private count(rule: string): void {
    this.counts.set(rule, (this.counts.get(rule) ?? 0) + 1);
  }
}

const CLEAN_KEYS_MAX = 10_000;

function fieldHint(rules: readonly FieldRule[]): RegExp | null {
  if (rules.length === 0) return null;
  // A path ending in a wildcard can match any key: every record is read.
  if (rules.some((r) => r.path.lastKey === null)) return /[\s\S]/;
  const names = rules.map((r) =>
    (r.path.lastKey as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );
  return new RegExp(`"(?:${names.join('|')})\\\\?"`, 'i');
}
