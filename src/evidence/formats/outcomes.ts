/** The five outcomes of a policy check (wgpolicyk8s PolicyReport summary). */
export const OUTCOMES = ['pass', 'fail', 'warn', 'error', 'skip'] as const;

export type Outcome = (typeof OUTCOMES)[number];

/** A summary with every outcome at zero, in the fixed order. */
export function emptySummary(): Record<Outcome, number> {
  return { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
}
