/** The five kinds of evidence a disclosure bundle can carry. */
export const ARTIFACT_KINDS = Object.freeze([
  'audit-events',
  'sboms',
  'attestations',
  'signatures',
  'policy-reports',
] as const);

export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** Kinds whose evidence is stored as whole documents (all but audit events). */
export type DocumentKind = Exclude<ArtifactKind, 'audit-events'>;

export function isArtifactKind(value: unknown): value is ArtifactKind {
  return (
    typeof value === 'string' &&
    (ARTIFACT_KINDS as readonly string[]).includes(value)
  );
}
