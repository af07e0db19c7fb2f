import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  ARTIFACT_KINDS,
  PackagerError,
  type DocumentKind,
} from '../domain/index.js';
import { DETECTOR_NAMES, type DetectorName } from './detectors.js';

const action = z.enum(['mask', 'drop', 'pseudonymise']);

/** What a rule does with what it matched. */
export type RedactionAction = z.infer<typeof action>;

const documentKind = z.enum(
  ARTIFACT_KINDS.filter((k) => k !== 'audit-events') as [
    DocumentKind,
    ...DocumentKind[],
  ],
);

/** A tenant's redaction policy; docs/security.md describes each field. */
export const policySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    /** Action per detector; a detector left out finds nothing. */
    detectors: z.partialRecord(z.enum(DETECTOR_NAMES), action),
    /** Whole values by JSON path: `record.**.password`, `actor`. */
    fields: z
      .array(
        z.object({
          path: z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a dotted path'),
          action,
        }),
      )
      .default([]),
    /** Document kinds whose files the detectors also redact. */
    documents: z.array(documentKind).default([]),
    dlp: z
      .object({
        /** Detectors the DLP scan checks; all the policy uses by default. */
        detectors: z.array(z.enum(DETECTOR_NAMES)).optional(),
        /** Document kinds scanned besides audit events and `documents`. */
        kinds: z.array(documentKind).default([]),
      })
      .default({ kinds: [] }),
  })
  .strict();

export type RedactionPolicy = z.infer<typeof policySchema>;

/**
 * The policy every tenant gets unless the policy file names another:
 * every detector masks, a few field names that only ever hold secrets are
 * masked whole, documents are left as they were ingested.
 */
export const DEFAULT_POLICY: RedactionPolicy = policySchema.parse({
  name: 'default',
  detectors: Object.fromEntries(DETECTOR_NAMES.map((d) => [d, 'mask'])),
  fields: [
    'password',
    'passwd',
    // Not `secret`: Kubernetes names a pod's secret volume that way.
    'clientSecret',
    'accessToken',
    'refreshToken',
    'idToken',
    'apiKey',
    'privateKey',
    'cookie',
    'set-cookie',
  ].map((name) => ({ path: `**.${name}`, action: 'mask' })),
});

const fileSchema = z
  .object({
    default: policySchema.optional(),
    tenants: z.record(z.string(), policySchema).default({}),
  })
  .strict();

/** The policies of every tenant, as the policy file states them. */
export class RedactionPolicies {
  constructor(
    private readonly tenants: Record<string, RedactionPolicy> = {},
    private readonly fallback: RedactionPolicy = DEFAULT_POLICY,
  ) {}

  /** The tenant's own policy, else the file's default, else ours. */
  forTenant(tenantId: string): RedactionPolicy {
    return this.tenants[tenantId] ?? this.fallback;
  }
}

/**
 * Reads DP_REDACTION_POLICY_FILE: `{ "default": policy, "tenants": {
 * "<tenant id>": policy } }`. Without a file every tenant gets
 * DEFAULT_POLICY. A file that does not parse stops start-up.
 */
export function policiesFromFile(file: string | undefined): RedactionPolicies {
  if (!file) return new RedactionPolicies();
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (cause) {
    throw new PackagerError(
      'DP_CONFIG_INVALID',
      `the redaction policy file ${file} is invalid: ${(cause as Error).message}`,
      { cause },
    );
  }
  return new RedactionPolicies(parsed.tenants, parsed.default);
}

/** The detectors a policy redacts with, and those its DLP scan checks. */
export function detectorsOf(policy: RedactionPolicy): {
  redact: ReadonlySet<DetectorName>;
  dlp: ReadonlySet<DetectorName>;
} {
  const redact = new Set(Object.keys(policy.detectors) as DetectorName[]);
  return { redact, dlp: new Set(policy.dlp.detectors ?? redact) };
}
