/**
 * One Kubernetes audit Event (audit.k8s.io/v1) as a JSON line: a complete
 * minimal record, with `extra` overriding or adding any field.
 */
export function aKubernetesEventLine(
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: 'e-1',
    stage: 'ResponseComplete',
    requestReceivedTimestamp: '2026-01-01T00:00:00Z',
    ...extra,
  });
}

/** A small, valid POST /disclosures/export body for one tenant. */
export function anExportRequest(
  tenantId = 'acme',
  dateRange = { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
) {
  return { tenantId, dateRange, artifacts: ['sboms'] };
}
