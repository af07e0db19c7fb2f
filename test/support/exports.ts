import { expect } from 'vitest';
import { waitForJob, type Reply, type TestServer } from './api.js';

export const ALL_KINDS = [
  'audit-events',
  'sboms',
  'attestations',
  'signatures',
  'policy-reports',
];

/** The last 30 days to a minute ahead: all of a fresh server's demo evidence. */
export function recentWindow(now = new Date()): { from: string; to: string } {
  return {
    from: new Date(now.getTime() - 30 * 24 * 3600 * 1000).toISOString(),
    to: new Date(now.getTime() + 60 * 1000).toISOString(),
  };
}

/** Requests an export of every kind for `tenant` and waits for its end. */
export async function exportAndWait(
  api: TestServer,
  tenant: 'acme' | 'globex',
): Promise<Reply> {
  const token = api.tokens[tenant];
  const accepted = await api.call('POST', '/disclosures/export', {
    token,
    body: { tenantId: tenant, dateRange: recentWindow(), artifacts: ALL_KINDS },
  });
  expect(accepted.status).toBe(202);
  return waitForJob(api, accepted.json.jobId as string, token);
}
