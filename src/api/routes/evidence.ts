import { Router, type Request, type Response } from 'express';
import type { AuditRecord } from '../../audit/index.js';
import {
  ARTIFACT_KINDS,
  PackagerError,
  isArtifactKind,
  isPackagerError,
  toInstant,
  type ArtifactKind,
  type Tenant,
} from '../../domain/index.js';
import {
  ingestFile,
  type EvidenceStore,
  type IngestFileResult,
} from '../../evidence/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { Metrics } from '../../telemetry/index.js';
import { markOutcomeAudited } from '../access.js';
import { principalOf, type Principal } from '../auth.js';
import { toDocumentView } from '../present.js';
import type { TenantScopes } from '../scope.js';
import { spoolBody } from '../spool.js';
import { tenantForCaller } from '../tenants.js';

export interface EvidenceRouteDeps {
  store: EvidenceStore;
  objects: ObjectStore;
  scopes: TenantScopes;
  /** Largest body read (DP_INGEST_MAX_BYTES). */
  maxBytes: number;
  /** From this size on, a document is read as a stream (DP_INGEST_STREAM_FROM_BYTES). */
  streamFromBytes?: number;
  /** Counts what is ingested (dp_evidence_*). */
  metrics?: Metrics;
}

const EVENT_TYPES = ['application/jsonl', 'application/x-ndjson'];
// eslint-disable-next-line no-control-regex
const NAME = /^(?!\.)[^/\\\u0000-\u001f\u007f]{1,200}$/;
const TAG = /^[A-Za-z0-9._:-]{1,64}$/;
const MAX_TAGS = 20;

/**
 * The ingest API: audit events as JSON Lines, and one document at a time,
 * both streamed to a temporary file and read by the CLI's ingest code.
 * The tenant is checked before a byte of the body is read.
 */
export function evidenceRoutes(deps: EvidenceRouteDeps): Router {
  const router = Router();
  router.post('/evidence/audit-events', async (req, res) => {
    const { tenant, principal } = await callerTenant(deps, req);
    const query = queryOf(req, ['tenantId', 'name']);
    if (!req.is(EVENT_TYPES)) {
      throw new PackagerError(
        'DP_EVIDENCE_MEDIA_TYPE',
        `send JSON Lines as Content-Type ${EVENT_TYPES.join(' or ')}`,
      );
    }
    const name = nameOf(query.name, 'audit-events.jsonl');
    const result = await ingest(deps, req, res, tenant, principal, {
      name,
      expect: ['audit-events'],
    });
    const read = result.read ?? 0;
    res.status(result.items > 0 ? 201 : 200).json({
      status: result.status,
      tenantId: tenant.id,
      name,
      format: result.format ?? null,
      events: {
        read,
        stored: result.items,
        duplicates: read - result.items,
      },
      lineErrors: result.lineErrors ?? [],
      errors: result.errors,
      warnings: result.warnings ?? [],
    });
  });

  router.post('/evidence/documents', async (req, res) => {
    const { tenant, principal } = await callerTenant(deps, req);
    const query = queryOf(req, [
      'tenantId',
      'name',
      'kind',
      'tags',
      'eventTime',
    ]);
    const result = await ingest(deps, req, res, tenant, principal, {
      name: nameOf(query.name, 'document'),
      expect: kindOf(query.kind),
      tags: tagsOf(query.tags),
      eventTime:
        query.eventTime === undefined
          ? undefined
          : toInstant(query.eventTime, 'eventTime'),
    });
    const document = result.id
      ? await deps.store.getDocument(tenant.id, result.id)
      : null;
    if (!document) {
      throw new PackagerError('DP_INTERNAL', 'the stored document is gone');
    }
    const created = result.status === 'stored';
    res
      .status(created ? 201 : 200)
      .location(`/evidence/documents/${document.id}`)
      .json({
        status: result.status,
        document: toDocumentView(document),
        warnings: result.warnings ?? [],
      });
  });

  router.get('/evidence/documents/:id', async (req, res) => {
    const principal = principalOf(req);
    const { evidence } = deps.scopes(principal.tenantId);
    const document = await evidence.getDocument(
      principal.tenantId,
      String(req.params.id),
    );
    if (!document) {
      throw new PackagerError('DP_NOT_FOUND', 'no such document');
    }
    res.json(toDocumentView(document));
  });
  return router;
}

async function callerTenant(
  deps: EvidenceRouteDeps,
  req: Request,
): Promise<{ tenant: Tenant; principal: Principal }> {
  const principal = principalOf(req);
  const tenantId = (req.query as Record<string, unknown>).tenantId;
  if (typeof tenantId !== 'string') {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      'name the tenant once, as the tenantId query parameter',
    );
  }
  const tenant = await tenantForCaller(deps.store, principal, tenantId);
  return { tenant, principal };
}

interface Upload {
  name: string;
  expect: readonly ArtifactKind[];
  tags?: string[];
  eventTime?: Date;
}

/**
 * Spools the body and ingests it; records the outcome in the tenant's
 * audit trail whether it was stored, refused or failed.
 */
async function ingest(
  deps: EvidenceRouteDeps,
  req: Request,
  res: Response,
  tenant: Tenant,
  principal: Principal,
  upload: Upload,
): Promise<IngestFileResult> {
  const { audit } = deps.scopes(tenant.id);
  markOutcomeAudited(req);
  const record = (outcome: AuditRecord['outcome'], resource: string) =>
    audit.record({
      tenantId: tenant.id,
      actor: principal.subject,
      action: upload.expect.includes('audit-events')
        ? 'evidence.events-ingested'
        : 'evidence.document-ingested',
      resource,
      outcome,
    });
  let result: IngestFileResult;
  try {
    const spooled = await spoolBody(req, upload.name, deps.maxBytes);
    try {
      result = await ingestFile({
        tenantId: tenant.id,
        file: spooled.file,
        store: deps.store,
        objects: deps.objects,
        maxFileBytes: deps.maxBytes,
        streamFromBytes: deps.streamFromBytes,
        metrics: deps.metrics,
        ...upload,
      });
    } finally {
      await spooled.dispose();
    }
  } catch (error) {
    if (isPackagerError(error) && error.code === 'DP_PAYLOAD_TOO_LARGE') {
      // The rest of the body may be unread: the connection is not reused.
      res.set('Connection', 'close');
    }
    const refused = isPackagerError(error) && error.status < 500;
    await record(refused ? 'refused' : 'failure', `upload/${upload.name}`);
    throw error;
  }
  const resource = result.id
    ? `document/${result.id}`
    : `upload/${upload.name}`;
  if (result.status === 'failed') {
    await record('refused', resource);
    throw unreadable(result);
  }
  await record('success', resource);
  return result;
}

function unreadable(result: IngestFileResult): PackagerError {
  const errors = (result.lineErrors ?? []).map((e) => ({
    path: `line ${e.line}`,
    message: e.message,
  }));
  return new PackagerError(
    'DP_EVIDENCE_UNREADABLE',
    result.errors.join('; ') || 'nothing could be read',
    errors.length > 0 ? { details: { errors } } : {},
  );
}

function queryOf(
  req: Request,
  allowed: readonly string[],
): Record<string, string | undefined> {
  const query = req.query as Record<string, unknown>;
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  const repeated = Object.keys(query).filter(
    (k) => typeof query[k] !== 'string',
  );
  if (unknown.length > 0 || repeated.length > 0) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `give only ${allowed.join(', ')}, each at most once` +
        (unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : '') +
        (repeated.length > 0 ? `; repeated: ${repeated.join(', ')}` : ''),
    );
  }
  return query as Record<string, string | undefined>;
}

function nameOf(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (!NAME.test(value) || value === '..') {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      'name must be a file name of 1 to 200 characters, without slashes, ' +
        'control characters or a leading dot',
    );
  }
  return value;
}

const DOCUMENT_KINDS = ARTIFACT_KINDS.filter((k) => k !== 'audit-events');

function kindOf(value: string | undefined): readonly ArtifactKind[] {
  if (value === undefined) return DOCUMENT_KINDS;
  if (!isArtifactKind(value) || value === 'audit-events') {
    throw new PackagerError(
      'DP_ARTIFACT_UNKNOWN',
      `kind must be sboms, attestations, signatures or policy-reports, ` +
        `not ${JSON.stringify(value)}`,
    );
  }
  return [value];
}

function tagsOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const tags = [...new Set(value.split(',').map((t) => t.trim()))];
  if (tags.length > MAX_TAGS || !tags.every((t) => TAG.test(t))) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `tags must be up to ${MAX_TAGS} comma-separated tags of letters, ` +
        'digits and . _ : - (such as EU,gdpr)',
    );
  }
  return tags.sort();
}
