import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PackagerError } from '../domain/index.js';

/** The product's feature flags; both are on unless a rule says otherwise. */
export const FLAG_KEYS = Object.freeze([
  'disclosurePackager.ui',
  'disclosurePackager.api',
] as const);

export type FlagKey = (typeof FLAG_KEYS)[number];

/** One flag's rules: a value for everyone, and values for named tenants. */
export interface FlagRule {
  default?: boolean;
  tenants: Record<string, boolean>;
}

export type FlagRules = Partial<Record<FlagKey, FlagRule>>;

const ruleSchema = z
  .object({
    default: z.boolean().optional(),
    tenants: z.record(z.string().min(1), z.boolean()).default({}),
  })
  .strict();

const fileSchema = z
  .object({
    flags: z.partialRecord(z.enum(FLAG_KEYS), ruleSchema),
  })
  .strict();

/** Reads a flags file (JSON); a bad file stops start-up with its problems. */
export function readFlagsFile(file: string): FlagRules {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw invalid(`cannot read ${file}: ${(cause as Error).message}`, cause);
  }
  const parsed = fileSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw invalid(`${file} is not a flags file:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data.flags;
}

const OVERRIDE = /^([A-Za-z.]+)(?:@([^=\s]+))?=(on|off|true|false)$/;

/**
 * DP_FLAGS: comma-separated `flag=on|off` (everyone) and
 * `flag@tenant=on|off` (one tenant) entries, laid over the file's rules.
 */
export function parseFlagOverrides(spec: string): FlagRules {
  const rules: FlagRules = {};
  for (const entry of spec.split(',').map((e) => e.trim())) {
    if (!entry) continue;
    const match = OVERRIDE.exec(entry);
    const key = match?.[1] as FlagKey | undefined;
    if (!match || !key || !FLAG_KEYS.includes(key)) {
      throw invalid(
        `DP_FLAGS entry ${JSON.stringify(entry)} is not flag=on|off or ` +
          `flag@tenant=on|off with a flag among ${FLAG_KEYS.join(', ')}`,
      );
    }
    const rule = (rules[key] ??= { tenants: {} });
    const value = match[3] === 'on' || match[3] === 'true';
    if (match[2]) rule.tenants[match[2]] = value;
    else rule.default = value;
  }
  return rules;
}

/** The override's rules laid over the base's, flag by flag. */
export function mergeFlagRules(base: FlagRules, over: FlagRules): FlagRules {
  const merged: FlagRules = {};
  for (const key of FLAG_KEYS) {
    const [a, b] = [base[key], over[key]];
    if (!a && !b) continue;
    merged[key] = {
      default: b?.default ?? a?.default,
      tenants: { ...a?.tenants, ...b?.tenants },
    };
  }
  return merged;
}

function invalid(message: string, cause?: unknown): PackagerError {
  return new PackagerError('DP_CONFIG_INVALID', message, { cause });
}
