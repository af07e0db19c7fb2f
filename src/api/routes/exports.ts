import { Router } from 'express';
import { z } from 'zod';
import {
  ARTIFACT_KINDS,
  PackagerError,
  isArtifactKind,
  toWindow,
} from '../../domain/index.js';
import type { LinkSigner } from '../../auth/index.js';
import type { EvidenceStore } from '../../evidence/index.js';
import type { Analytics } from '../../telemetry/index.js';
import { principalOf } from '../auth.js';
import { jsonBodyOf } from '../problem.js';
import { tenantForCaller } from '../tenants.js';
import { toJobView } from '../present.js';
import type { TenantScopes } from '../scope.js';

const exportBody = z.object({
  tenantId: z.string().min(1),
  dateRange: z.object({ from: z.string(), to: z.string() }),
  artifacts: z.array(z.string()).min(1).max(ARTIFACT_KINDS.length),
});

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** POST /disclosures/export: validate, authorize, create, answer 202. */
export function exportRoutes(
  store: EvidenceStore,
  scopes: TenantScopes,
  links: LinkSigner,
  analytics?: Analytics,
): Router {
  const router = Router();
  router.post('/disclosures/export', async (req, res) => {
    const principal = principalOf(req);
    const body = parseBody(jsonBodyOf(req));
    const window = toWindow(body.dateRange.from, body.dateRange.to);
    const artifacts = toArtifacts(body.artifacts);
    const idempotencyKey = toIdempotencyKey(req.get('idempotency-key'));

    const tenant = await tenantForCaller(store, principal, body.tenantId);

    const { jobs, audit } = scopes(tenant.id);
    const { job, created } = await jobs.createExport({
      tenantId: tenant.id,
      window,
      artifacts,
      requestedBy: principal.subject,
      idempotencyKey,
    });
    if (created) {
      await audit.record({
        tenantId: tenant.id,
        actor: principal.subject,
        action: 'export.requested',
        resource: `job/${job.id}`,
        outcome: 'success',
      });
      // Not awaited: analytics never hold up the answer.
      void analytics?.record({
        name: 'export.requested',
        tenantId: tenant.id,
        jobId: job.id,
        occurredAt: job.createdAt,
        details: { kinds: artifacts.length, via: principal.via },
      });
    }
    res
      .status(202)
      .location(`/jobs/${job.id}`)
      .json({
        jobId: job.id,
        status: job.status,
        job: toJobView(job, links),
      });
  });
  return router;
}

function parseBody(body: unknown): z.infer<typeof exportBody> {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      'send a JSON object with tenantId, dateRange and artifacts',
    );
  }
  const parsed = exportBody.safeParse(body);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; '),
      { details: { errors } },
    );
  }
  return parsed.data;
}

function toArtifacts(values: string[]): z.infer<typeof artifactList> {
  const unknown = values.filter((v) => !isArtifactKind(v));
  if (unknown.length > 0) {
    throw new PackagerError(
      'DP_ARTIFACT_UNKNOWN',
      `unknown artifact kind ${unknown.map((u) => JSON.stringify(u)).join(', ')}; ` +
        `choose from ${ARTIFACT_KINDS.join(', ')}`,
    );
  }
  return artifactList.parse([...new Set(values)]);
}

const artifactList = z.array(z.enum(ARTIFACT_KINDS));

function toIdempotencyKey(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      'send one Idempotency-Key header of 1 to 200 visible ASCII ' +
        'characters (no spaces)',
    );
  }
  return value;
}
