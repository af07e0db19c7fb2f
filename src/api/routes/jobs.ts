import { Router, type Request, type Response } from 'express';
import parseRange from 'range-parser';
import {
  JOB_STATUSES,
  PackagerError,
  toWindow,
  type JobBundle,
  type JobStatus,
  type TimeWindow,
} from '../../domain/index.js';
import { randomUUID } from 'node:crypto';
import {
  expiryOf,
  retentionDaysOf,
  withTenantDays,
  type JobListOptions,
  type RetentionPolicy,
  type StoredJob,
} from '../../jobs/index.js';
import { satisfies, type LinkSigner } from '../../auth/index.js';
import type {
  ByteRange,
  ObjectInfo,
  ObjectStore,
} from '../../storage/index.js';
import type { Analytics, Metrics } from '../../telemetry/index.js';
import { principalOf, type Principal } from '../auth.js';
import { toJobView } from '../present.js';
import type { TenantScopes } from '../scope.js';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the job routes need beside the tenant's scope. */
export interface JobRouteDeps {
  objects: ObjectStore;
  links: LinkSigner;
  metrics: Metrics;
  /** How long bundles are kept: past it, downloads answer 410. */
  retention: RetentionPolicy;
  /**
   * `redirect`: a GET of a bundle answers 307 to a presigned URL of the
   * object store, where it has them (S3); `proxy`: streamed by the API.
   */
  downloads: 'redirect' | 'proxy';
  analytics?: Analytics;
}

/** Listing, reading, cancelling, retrying and downloading jobs. */
export function jobRoutes(scopes: TenantScopes, deps: JobRouteDeps): Router {
  const { objects, links, metrics, retention } = deps;
  // The tenant's own period (PATCH /settings) over the operator's.
  const retentionFor = async (req: Request) => {
    const { tenantId } = principalOf(req);
    const own = await scopes(tenantId).settings.get(tenantId);
    return own.retentionDays === null
      ? retention
      : withTenantDays(retention, { [tenantId]: own.retentionDays });
  };
  const router = Router();
  // The caller's tenant scope: its queries run under row-level security.
  const jobsOf = (req: Request) => scopes(principalOf(req).tenantId).jobs;
  // A signed link downloads on its own: only those who may download get one.
  const linksFor = (req: Request) =>
    satisfies(principalOf(req).roles, 'exporter') ? links : null;
  const recordOf = (req: Request, action: string, jobId: string) => {
    const principal = principalOf(req);
    return scopes(principal.tenantId).audit.record({
      tenantId: principal.tenantId,
      actor: principal.subject,
      action,
      resource: `job/${jobId}`,
      outcome: 'success',
    });
  };

  router.get('/jobs', async (req, res) => {
    const { tenantId } = principalOf(req);
    const page = await jobsOf(req).list(tenantId, listOptionsOf(req));
    res.json({
      jobs: page.jobs.map((job) => toJobView(job, linksFor(req))),
      nextCursor: page.nextCursor,
    });
  });

  router.get('/jobs/:id', async (req, res) => {
    const { tenantId } = principalOf(req);
    const id = jobIdOf(req);
    const job = await jobsOf(req).get(tenantId, id);
    const history = await jobsOf(req).history(tenantId, id);
    res.json(toJobView(job, linksFor(req), { history }));
  });

  router.post('/jobs/:id/cancel', async (req, res) => {
    const job = await jobsOf(req).cancel(
      principalOf(req).tenantId,
      jobIdOf(req),
    );
    await recordOf(req, 'job.cancelled', job.id);
    res.json(toJobView(job, linksFor(req)));
  });

  router.post('/jobs/:id/retry', async (req, res) => {
    const job = await jobsOf(req).retry(
      principalOf(req).tenantId,
      jobIdOf(req),
    );
    await recordOf(req, 'job.retried', job.id);
    res
      .status(202)
      .location(`/jobs/${job.id}`)
      .json(toJobView(job, linksFor(req)));
  });

  router.get('/jobs/:id/bundle', async (req, res) => {
    const job = await jobsOf(req).get(principalOf(req).tenantId, jobIdOf(req));
    const bundle = bundleOf(job, await retentionFor(req));
    if (req.method === 'GET') {
      const first = await isFirstDownload(req, job);
      // A download is recorded once per request, ranges included: an
      // auditor sees every fetch of the tenant's bundle.
      await recordOf(req, 'bundle.downloaded', job.id);
      countDownload(req, res, job, first);
      recordAnalyticsDownload(req, res, job, deps.analytics);
      await recordDownload(req, bundle.sha512);
      if (deps.downloads === 'redirect') {
        await storedBundleOf(objects, bundle.objectKey, bundle.size);
        const link = await objects.signedUrl(
          bundle.objectKey,
          links.ttlSeconds,
        );
        if (link) {
          // RFC 9110 §15.4.8: the client asks the store again, Range
          // included; the link's real expiry is told beside it.
          res.set({
            'Cache-Control': 'private, no-store',
            'X-Download-Expires': link.expiresAt.toISOString(),
          });
          res.redirect(307, link.url);
          return;
        }
      }
    }
    await sendObject(req, res, objects, bundle.objectKey, {
      fileName: `disclosure-${job.tenantId}-${job.id}.zip`,
      sha512: bundle.sha512,
      size: bundle.size,
    });
  });

  const isFirstDownload = async (req: Request, job: StoredJob) =>
    !(await scopes(principalOf(req).tenantId).audit.hasRecorded({
      tenantId: job.tenantId,
      action: 'bundle.downloaded',
      resource: `job/${job.id}`,
      since: job.createdAt,
    }));

  /**
   * Counts the download once its whole body has gone out (or the client
   * was sent to the object store for it, 307); the first one of a job
   * also gives the export's time to value.
   */
  const countDownload = (
    req: Request,
    res: Response,
    job: StoredJob,
    first: boolean,
  ) => {
    const { via } = principalOf(req);
    res.once('finish', () => {
      if (![200, 206, 307].includes(res.statusCode)) return;
      metrics.downloadsTotal.inc({ via });
      if (first) {
        const seconds = (Date.now() - job.createdAt.getTime()) / 1000;
        metrics.timeToValue.observe(seconds);
      }
    });
  };

  router.get('/jobs/:id/bundle.sig', async (req, res) => {
    const job = await jobsOf(req).get(principalOf(req).tenantId, jobIdOf(req));
    const { signature, objectKey, size } = bundleOf(
      job,
      await retentionFor(req),
    );
    // The signature is only worth having while its bundle is.
    await storedBundleOf(objects, objectKey, size);
    if (!signature) {
      throw new PackagerError(
        'DP_SIGNATURE_UNAVAILABLE',
        `the bundle of job ${job.id} has no whole-ZIP signature: its key ` +
          'cannot sign a stream (Ed25519), or it was made before such ' +
          'signatures existed; verify its SHA512SUMS.sig instead',
      );
    }
    // Fetched with the bundle, and recorded as it is.
    if (req.method === 'GET') {
      await recordOf(req, 'bundle.signature.downloaded', job.id);
    }
    res.set({
      'Content-Disposition': `attachment; filename="disclosure-${job.tenantId}-${job.id}.zip.sig"`,
      'Cache-Control': 'private, no-store',
    });
    res.type('text/plain').send(signature);
  });

  /**
   * Records the download in the provenance graph (countDownload counts
   * it). The graph is not worth refusing a download over: a failure is
   * counted.
   */
  async function recordDownload(req: Request, sha512: string) {
    const principal: Principal = principalOf(req);
    try {
      await scopes(principal.tenantId).provenance.recordDownload({
        tenantId: principal.tenantId,
        id: randomUUID(),
        bundleSha512: sha512,
        actor: principal.subject,
        via: principal.via,
        at: new Date(),
      });
    } catch {
      deps.metrics.provenanceWriteFailures.inc({ record: 'download' });
    }
  }

  return router;
}

/**
 * Records a download for analytics once its last byte went out; one cut
 * short by the client or the server is not a download.
 */
function recordAnalyticsDownload(
  req: Request,
  res: Response,
  job: StoredJob,
  analytics: Analytics | undefined,
): void {
  const { via } = principalOf(req);
  res.once('finish', () => {
    if (res.statusCode !== 200 && res.statusCode !== 206) return;
    void analytics?.record({
      name: 'bundle.downloaded',
      tenantId: job.tenantId,
      jobId: job.id,
      occurredAt: new Date(),
      bytes: Number(res.get('content-length') ?? 0),
      durationMs: Date.now() - job.createdAt.getTime(),
      details: { range: res.statusCode === 206, via },
    });
  });
}

const LIST_PARAMS = new Set(['status', 'from', 'to', 'limit', 'cursor']);

/** GET /jobs query: ?status=a,b &from= &to= (window overlap) &limit= &cursor= */
function listOptionsOf(req: Request): JobListOptions {
  const query = req.query as Record<string, unknown>;
  const unknown = Object.keys(query).filter((k) => !LIST_PARAMS.has(k));
  if (unknown.length > 0) {
    throw invalid(
      `unknown query parameter ${unknown.join(', ')}; use ` +
        [...LIST_PARAMS].join(', '),
    );
  }
  const one = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw invalid(`give ${name} once`);
    return value;
  };
  const options: JobListOptions = {};
  const limit = one('limit');
  if (limit !== undefined) {
    if (!/^\d{1,3}$/.test(limit) || +limit < 1 || +limit > 200) {
      throw invalid('limit must be a whole number from 1 to 200');
    }
    options.limit = Number(limit);
  }
  const status = one('status');
  if (status !== undefined) {
    const statuses = status.split(',').map((s) => s.trim());
    const bad = statuses.filter((s) => !JOB_STATUSES.includes(s as JobStatus));
    if (bad.length > 0) {
      throw invalid(
        `unknown status ${bad.map((b) => JSON.stringify(b)).join(', ')}; ` +
          `choose from ${JOB_STATUSES.join(', ')}`,
      );
    }
    options.statuses = statuses as JobStatus[];
  }
  const from = one('from');
  const to = one('to');
  if (from !== undefined || to !== undefined) {
    options.overlapping = overlapOf(from, to);
  }
  const cursor = one('cursor');
  if (cursor !== undefined) options.cursor = cursor;
  return options;
}

/** Either end may be left open; a given end must be RFC 3339. */
function overlapOf(from: string | undefined, to: string | undefined) {
  const window: TimeWindow = toWindow(
    from ?? '1970-01-01T00:00:00Z',
    to ?? '9999-12-31T23:59:59Z',
  );
  return window;
}

function invalid(message: string): PackagerError {
  return new PackagerError('DP_REQUEST_INVALID', message);
}

/**
 * The job's bundle, while it is kept. An expired one answers 410, and so
 * does one past its retention period that the sweep has not reached yet:
 * the answer must not depend on when the cleanup last ran.
 */
function bundleOf(
  job: StoredJob,
  retention: RetentionPolicy,
  now = new Date(),
): JobBundle {
  const expiry = expiryOf(job, retention);
  if (job.status === 'expired' || (expiry && expiry <= now)) {
    const days = retentionDaysOf(retention, job.tenantId);
    const when = (job.expiredAt ?? expiry ?? now).toISOString();
    throw new PackagerError(
      'DP_BUNDLE_EXPIRED',
      `the bundle of job ${job.id} expired at ${when}, at the end of the ` +
        `tenant's ${days}-day retention period, and is no longer kept; ` +
        'export the same window again for a new bundle',
    );
  }
  if (!job.bundle) {
    throw new PackagerError(
      'DP_BUNDLE_NOT_READY',
      `job ${job.id} is ${job.status}; its bundle is not available`,
    );
  }
  return job.bundle;
}

function jobIdOf(req: Request): string {
  const id = String(req.params.id);
  // A malformed id is simply a job that does not exist (and is not echoed).
  if (!JOB_ID.test(id)) {
    throw new PackagerError('DP_JOB_NOT_FOUND', 'no such job');
  }
  return id;
}

/** Streams an object, honouring a single byte range (RFC 9110 §14). */
async function sendObject(
  req: Request,
  res: Response,
  objects: ObjectStore,
  key: string,
  meta: { fileName: string; sha512: string; size: number },
): Promise<void> {
  const info = await storedBundleOf(objects, key, meta.size);
  const etag = `"sha512-${meta.sha512.slice(0, 32)}"`;
  // RFC 9110 §13.1.5: a Range is honoured only while If-Range still names
  // this representation; we send no Last-Modified, so a date never does.
  const ifRange = req.get('if-range');
  const rangeHeader =
    ifRange === undefined || ifRange === etag ? req.get('range') : undefined;
  let range: ByteRange | null;
  try {
    range = rangeOf(rangeHeader, info.size);
  } catch (error) {
    res.set('Content-Range', `bytes */${info.size}`);
    throw error;
  }
  res.set({
    'Content-Type': 'application/zip',
    'Content-Disposition': `attachment; filename="${meta.fileName}"`,
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Cache-Control': 'private, no-store',
  });
  if (range) {
    res.status(206);
    res.set('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
    res.set('Content-Length', String(range.end - range.start + 1));
  } else {
    res.set('Content-Length', String(info.size));
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const body = await objects.get(key, range ?? undefined);
  // A client that hangs up early is normal for downloads: stop reading,
  // and do not treat it as a server error.
  res.once('close', () => body.destroy());
  body.once('error', () => res.destroy());
  body.pipe(res);
}

/**
 * The stored bundle, refused when it is gone or no longer the size the job
 * recorded (cut short on disk): a customer must never be handed a bundle
 * that differs from the one its job describes.
 */
async function storedBundleOf(
  objects: ObjectStore,
  key: string,
  size: number,
): Promise<ObjectInfo> {
  const info = await objects.head(key);
  if (!info) {
    throw new PackagerError('DP_NOT_FOUND', 'the bundle is no longer stored');
  }
  if (info.size !== size) {
    throw new PackagerError(
      'DP_BUNDLE_DAMAGED',
      `the stored bundle is ${info.size} bytes, not the ${size} its job ` +
        'recorded; it is not served. Start a new export, and tell the ' +
        'operator (the object store lost data)',
    );
  }
  return info;
}

// One range, `bytes=first-last`, `bytes=first-` or `bytes=-suffix`.
const SINGLE_RANGE = /^bytes=(\d+-\d*|-\d+)$/;

function rangeOf(header: string | undefined, size: number): ByteRange | null {
  if (!header) return null;
  // RFC 9110 §14.2: a Range that cannot be read is ignored, not refused,
  // and so is one whose last byte comes before its first (§14.1.1).
  const single = header.replace(/\s+/g, '');
  if (single.startsWith('bytes=') && !single.includes(',')) {
    if (!SINGLE_RANGE.test(single)) return null;
    const [first, last] = single.slice(6).split('-');
    if (first && last && Number(last) < Number(first)) return null;
  }
  const ranges = parseRange(size, header, { combine: true });
  // RFC 9110 §14.2: a malformed range, another unit, or several ranges
  // (which would need multipart/byteranges) are ignored: send it whole.
  if (ranges === -2) return null;
  if (ranges !== -1 && (ranges.type !== 'bytes' || ranges.length > 1)) {
    return null;
  }
  if (ranges === -1) {
    throw new PackagerError(
      'DP_RANGE_NOT_SATISFIABLE',
      `the range ${header.slice(0, 100)} is outside the bundle's ${size} bytes`,
    );
  }
  const first = ranges[0];
  return first ? { start: first.start, end: first.end } : null;
}
