import type { Request, RequestHandler } from 'express';
import { satisfies, type LinkSigner, type Requirement } from '../auth/index.js';
import { PackagerError } from '../domain/index.js';
import type { AuditRecord } from '../audit/index.js';
import { maybePrincipalOf, setPrincipal, type Principal } from './auth.js';

/** What one operation of the API asks of its caller. */
export interface Access {
  requires: Requirement;
  /** A signed download link may stand in for a token. */
  link?: 'bundle' | 'bundle.sig';
  /**
   * The action this operation writes to the tenant's audit trail. Refused
   * and failed attempts are written under it too (auditOutcomes).
   */
  audit?: string;
  /**
   * The operation names no tenant and no object: it answers about, or
   * changes, the caller's own tenant alone (a listing, a profile, the
   * tenant's settings). Another tenant's token gets its own, never 404.
   */
  aboutCaller?: true;
}

/**
 * Every operation of the OpenAPI document and what it requires: the one
 * place where the API's authorization is decided (docs/security.md shows
 * this table; a test holds it to the document, route by route).
 */
export const ROUTE_ACCESS: Readonly<Record<string, Access>> = Object.freeze({
  'GET /healthz': { requires: 'public' },
  'GET /readyz': { requires: 'public' },
  'GET /metrics': { requires: 'public' },
  'GET /openapi.json': { requires: 'public' },
  'GET /signing-keys': { requires: 'public' },
  // The web UI's page and assets: the page signs in with a token itself.
  'GET /': { requires: 'public' },
  'GET /ui/': { requires: 'public' },
  'GET /ui/{path}': { requires: 'public' },
  'GET /me': { requires: 'viewer', aboutCaller: true },
  'GET /disclosures/estimate': { requires: 'viewer' },
  'POST /disclosures/export': {
    requires: 'exporter',
    audit: 'export.requested',
  },
  'GET /jobs': { requires: 'viewer', aboutCaller: true },
  'GET /jobs/{id}': { requires: 'viewer' },
  'POST /jobs/{id}/cancel': { requires: 'exporter', audit: 'job.cancelled' },
  'POST /jobs/{id}/retry': { requires: 'exporter', audit: 'job.retried' },
  'GET /jobs/{id}/bundle': {
    requires: 'exporter',
    link: 'bundle',
    audit: 'bundle.downloaded',
  },
  'GET /settings': { requires: 'viewer', aboutCaller: true },
  'PATCH /settings': {
    requires: 'admin',
    audit: 'settings.changed',
    aboutCaller: true,
  },
  'GET /jobs/{id}/bundle.sig': {
    requires: 'exporter',
    link: 'bundle.sig',
    audit: 'bundle.signature.downloaded',
  },
  'POST /evidence/audit-events': {
    requires: 'exporter',
    audit: 'evidence.events-ingested',
  },
  'POST /evidence/documents': {
    requires: 'exporter',
    audit: 'evidence.document-ingested',
  },
  'GET /evidence/documents/{id}': { requires: 'viewer' },
  'GET /provenance/artifacts/{sha512}': { requires: 'viewer' },
  'GET /provenance/bundles/{sha512}': { requires: 'viewer' },
  'GET /analytics/adoption': { requires: 'operator' },
  // Webhook endpoints hold secrets and send the tenant's data out.
  'GET /webhooks': { requires: 'admin', aboutCaller: true },
  'POST /webhooks': {
    requires: 'admin',
    audit: 'webhook.created',
    aboutCaller: true,
  },
  'GET /webhooks/{id}': { requires: 'admin' },
  'PATCH /webhooks/{id}': { requires: 'admin', audit: 'webhook.updated' },
  'DELETE /webhooks/{id}': { requires: 'admin', audit: 'webhook.deleted' },
  'POST /webhooks/{id}/rotate-secret': {
    requires: 'admin',
    audit: 'webhook.secret-rotated',
  },
  'GET /webhooks/{id}/deliveries': { requires: 'admin' },
  'GET /webhooks/{id}/deliveries/{deliveryId}': { requires: 'admin' },
  'POST /webhooks/{id}/deliveries/{deliveryId}/replay': {
    requires: 'admin',
    audit: 'webhook.delivery-replayed',
  },
});

interface Matcher {
  method: string;
  regex: RegExp;
  access: Access;
}

const MATCHERS: Matcher[] = Object.entries(ROUTE_ACCESS).map(
  ([key, access]) => {
    const [method = '', template = ''] = key.split(' ');
    const pattern = template.replace(/\{[^}]+\}/g, '([^/]+)');
    return { method, regex: new RegExp(`^${pattern}$`), access };
  },
);

/**
 * Authenticates and authorizes every request against ROUTE_ACCESS before
 * any route runs: 401 without a valid credential, 403 without the role.
 * A path the table does not know passes on, to answer 404 or 405.
 */
export function accessControl(
  authenticate: (req: Request) => Promise<Principal>,
  links: LinkSigner,
  isOperator: (req: Request) => boolean = () => false,
): RequestHandler {
  return async (req, _res, next) => {
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = MATCHERS.find(
      (m) => m.method === method && m.regex.test(req.path),
    );
    if (!route || route.access.requires === 'public') {
      next();
      return;
    }
    // A platform operator's token opens the operator's routes only; a
    // tenant's valid token there is refused with 403, any other with 401.
    if (route.access.requires === 'operator' && isOperator(req)) {
      next();
      return;
    }
    const linked = route.access.link && linkPrincipal(req, route, links);
    const principal = linked || (await authenticate(req));
    // Known before the role check, so that a refusal is audited with its
    // actor (auditOutcomes); no route runs unless the check passes.
    setPrincipal(req, principal);
    if (!satisfies(principal.roles, route.access.requires)) {
      throw new PackagerError(
        'DP_FORBIDDEN',
        `this needs the ${route.access.requires} role, which the ` +
          'token does not hold',
      );
    }
    next();
  };
}

const AUDITED = Symbol('outcome audited');

/**
 * For a route that writes its own outcome, refusals included, with more
 * detail than auditOutcomes could: the error handler then writes nothing.
 */
export function markOutcomeAudited(req: Request): void {
  (req as Request & { [AUDITED]?: true })[AUDITED] = true;
}

function outcomeAudited(req: Request): boolean {
  return (req as Request & { [AUDITED]?: true })[AUDITED] === true;
}

/** What ROUTE_ACCESS says of a request, when it lists its operation. */
export function accessOf(req: Request): Access | undefined {
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  return MATCHERS.find((m) => m.method === method && m.regex.test(req.path))
    ?.access;
}

/**
 * For errorHandler: an audited operation that a known caller attempted
 * and that was refused (4xx: a missing role, a job in the wrong state, a
 * rate limit) or failed (5xx) is written to the caller's tenant trail with
 * that outcome. A request without a valid credential has no tenant to
 * write to; it is logged only.
 */
export function auditOutcomes(
  trailOf: (tenantId: string) => {
    record(entry: AuditRecord): Promise<void>;
  },
): (req: Request, error: PackagerError) => Promise<void> {
  return async (req, error) => {
    const action = accessOf(req)?.audit;
    const principal = maybePrincipalOf(req);
    if (!action || !principal || outcomeAudited(req)) return;
    const jobId = /^\/jobs\/([^/]+)/.exec(req.path)?.[1];
    await trailOf(principal.tenantId).record({
      tenantId: principal.tenantId,
      actor: principal.subject,
      action,
      resource: jobId ? `job/${jobId}` : req.path,
      outcome: error.status >= 500 ? 'failure' : 'refused',
    });
  };
}

/** The grant of a signed link, when the request carries one. */
function linkPrincipal(
  req: Request,
  route: Matcher,
  links: LinkSigner,
): Principal | undefined {
  const query = req.query as Record<string, unknown>;
  if (query.sig === undefined) return undefined;
  const jobId = route.regex.exec(req.path)?.[1] ?? '';
  const grant = links.verify({
    jobId,
    file: route.access.link ?? '',
    tenant: query.tenant,
    expires: query.expires,
    sig: query.sig,
  });
  return {
    tenantId: grant.tenantId,
    subject: `link:${grant.jobId}`,
    roles: ['exporter'],
    via: 'link',
  };
}
