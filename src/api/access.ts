import type { Request, RequestHandler } from 'express';
import { satisfies, type LinkSigner, type Requirement } from '../auth/index.js';
import { PackagerError } from '../domain/index.js';
import { setPrincipal, type Principal } from './auth.js';

/** What one operation of the API asks of its caller. */
export interface Access {
  requires: Requirement;
  /** A signed download link may stand in for a token. */
  link?: 'bundle' | 'bundle.sig';
}

/**
 * Every operation of the OpenAPI document and what it requires: the one
 * place where the API's authorization is decided (docs/security.md shows
 * this table; a test holds it to the document, route by route).
 */
export const ROUTE_ACCESS: Readonly<Record<string, Access>> = Object.freeze({
  'GET /healthz': { requires: 'public' },
  'GET /metrics': { requires: 'public' },
  'GET /openapi.json': { requires: 'public' },
  'GET /signing-keys': { requires: 'public' },
  // The web UI's page and assets: the page signs in with a token itself.
  'GET /': { requires: 'public' },
  'GET /ui/': { requires: 'public' },
  'GET /ui/{path}': { requires: 'public' },
  'GET /me': { requires: 'viewer' },
  'GET /disclosures/estimate': { requires: 'viewer' },
  'POST /disclosures/export': { requires: 'exporter' },
  'GET /jobs': { requires: 'viewer' },
  'GET /jobs/{id}': { requires: 'viewer' },
  'POST /jobs/{id}/cancel': { requires: 'exporter' },
  'POST /jobs/{id}/retry': { requires: 'exporter' },
  'GET /jobs/{id}/bundle': { requires: 'exporter', link: 'bundle' },
  'GET /jobs/{id}/bundle.sig': { requires: 'exporter', link: 'bundle.sig' },
  // Webhook endpoints hold secrets and send the tenant's data out.
  'GET /webhooks': { requires: 'admin' },
  'POST /webhooks': { requires: 'admin' },
  'GET /webhooks/{id}': { requires: 'admin' },
  'PATCH /webhooks/{id}': { requires: 'admin' },
  'DELETE /webhooks/{id}': { requires: 'admin' },
  'POST /webhooks/{id}/rotate-secret': { requires: 'admin' },
  'GET /webhooks/{id}/deliveries': { requires: 'admin' },
  'GET /webhooks/{id}/deliveries/{deliveryId}': { requires: 'admin' },
  'POST /webhooks/{id}/deliveries/{deliveryId}/replay': { requires: 'admin' },
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
    const linked = route.access.link && linkPrincipal(req, route, links);
    const principal = linked || (await authenticate(req));
    if (!satisfies(principal.roles, route.access.requires)) {
      throw new PackagerError(
        'DP_FORBIDDEN',
        `this needs the ${route.access.requires} role, which the ` +
          'token does not hold',
      );
    }
    setPrincipal(req, principal);
    next();
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
