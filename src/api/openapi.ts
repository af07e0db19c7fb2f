import {
  ARTIFACT_KINDS,
  JOB_STAGES,
  JOB_STATUSES,
  KIND_STATUSES,
} from '../domain/index.js';
import { ROUTE_ACCESS } from './access.js';
import { SIGNING_ALGORITHMS, TRUST_FILE_MEDIA_TYPE } from '../signing/index.js';
import { webhookPaths, webhookSchemas } from './webhookdoc.js';

const problem = { $ref: '#/components/schemas/Problem' };
const problemContent = { 'application/problem+json': { schema: problem } };
const respond = (description: string) => ({
  description,
  content: problemContent,
});
const json = (ref: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${ref}` } },
});
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };
const artifactKind = { type: 'string', enum: [...ARTIFACT_KINDS] };
const jobError = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
  },
};
const count = { type: 'integer', minimum: 0 };
const tooManyJobs = {
  ...respond('The tenant has too many unfinished exports'),
  headers: { 'Retry-After': { schema: { type: 'integer' } } },
};
const nullableCount = { type: ['integer', 'null'], minimum: 0 };
const query = (name: string, description: string, schema: object) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const jobIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
};

const schemas = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
      code: { type: 'string', pattern: '^DP_[A-Z_]+$' },
      instance: { type: 'string' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'message'],
          properties: {
            path: { type: 'string' },
            message: { type: 'string' },
          },
        },
      },
    },
  },
  ExportRequest: {
    type: 'object',
    required: ['tenantId', 'dateRange', 'artifacts'],
    properties: {
      tenantId: { type: 'string' },
      dateRange: {
        type: 'object',
        description: 'The half-open window [from, to), RFC 3339',
        required: ['from', 'to'],
        properties: { from: dateTime, to: dateTime },
      },
      artifacts: { type: 'array', minItems: 1, items: artifactKind },
    },
  },
  ExportAccepted: {
    type: 'object',
    required: ['jobId', 'status', 'job'],
    additionalProperties: false,
    properties: {
      jobId: { type: 'string', format: 'uuid' },
      status: {
        type: 'string',
        enum: [...JOB_STATUSES],
        description:
          'pending for a new job; a replayed Idempotency-Key answers ' +
          'with the first job as it is now',
      },
      job: { $ref: '#/components/schemas/Job' },
    },
  },
  Job: {
    type: 'object',
    additionalProperties: false,
    required: [
      'jobId',
      'tenantId',
      'status',
      'artifacts',
      'dateRange',
      'requestedBy',
      'progress',
      'counts',
      'warnings',
      'error',
      'kinds',
      'attempts',
      'failedAttempts',
      'maxAttempts',
      'nextAttemptAt',
      'createdAt',
      'startedAt',
      'finishedAt',
      'bundle',
    ],
    properties: {
      jobId: { type: 'string', format: 'uuid' },
      tenantId: { type: 'string' },
      status: { type: 'string', enum: [...JOB_STATUSES] },
      artifacts: { type: 'array', items: artifactKind },
      dateRange: {
        type: 'object',
        required: ['from', 'to'],
        properties: { from: dateTime, to: dateTime },
      },
      requestedBy: { type: 'string' },
      progress: {
        type: 'object',
        additionalProperties: false,
        required: [
          'stage',
          'kind',
          'itemsDone',
          'itemsTotal',
          'bytesWritten',
          'bytesExpected',
          'etaSeconds',
        ],
        properties: {
          stage: { type: 'string', enum: [...JOB_STAGES] },
          kind: {
            type: ['string', 'null'],
            enum: [...ARTIFACT_KINDS, null],
            description: 'The kind being fetched, during the fetch stage',
          },
          itemsDone: count,
          itemsTotal: count,
          bytesWritten: count,
          bytesExpected: {
            ...nullableCount,
            description:
              'Bytes of the stored evidence in the window; audit events ' +
              'gain their common fields in the bundle, so bytesWritten ' +
              'can end above it',
          },
          etaSeconds: {
            ...nullableCount,
            description: 'Estimated seconds left, while running',
          },
        },
      },
      kinds: {
        type: 'object',
        description: 'What became of each requested kind',
        propertyNames: artifactKind,
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['status', 'expected', 'exported', 'retries'],
          properties: {
            status: { type: 'string', enum: [...KIND_STATUSES] },
            expected: count,
            exported: count,
            retries: count,
            reason: jobError,
          },
        },
      },
      counts: {
        type: 'object',
        propertyNames: artifactKind,
        additionalProperties: { type: 'integer', minimum: 0 },
      },
      warnings: { type: 'array', items: { type: 'string' } },
      error: { ...jobError, type: ['object', 'null'] },
      attempts: {
        ...count,
        description: 'Attempts started, including one handed back on shutdown',
      },
      failedAttempts: {
        ...count,
        description:
          'Attempts ended by a transient failure or a lost worker, since ' +
          'the job was created or last retried by hand',
      },
      maxAttempts: {
        ...count,
        description: 'failedAttempts allowed before the job fails',
      },
      nextAttemptAt: {
        ...nullableDateTime,
        description: 'When a pending retry may start',
      },
      createdAt: dateTime,
      startedAt: nullableDateTime,
      finishedAt: nullableDateTime,
      bundle: {
        type: ['object', 'null'],
        additionalProperties: false,
        required: [
          'size',
          'sha512',
          'checksumIndexSha512',
          'keyId',
          'downloadUrl',
          'signatureUrl',
        ],
        properties: {
          size: { type: 'integer', minimum: 0 },
          sha512: { type: 'string', pattern: '^[0-9a-f]{128}$' },
          checksumIndexSha512: { type: 'string', pattern: '^[0-9a-f]{128}$' },
          keyId: { type: 'string' },
          downloadUrl: {
            type: 'string',
            description:
              'A signed link that needs no token, valid 15 minutes by ' +
              'default; every read of the job gives a fresh one',
          },
          signatureUrl: {
            type: ['string', 'null'],
            description:
              'Signed link to the detached signature of the whole ZIP, if any',
          },
        },
      },
      history: {
        type: 'array',
        description: 'Every status change, oldest first (GET /jobs/{id})',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to', 'attempt', 'reason', 'at'],
          properties: {
            from: { type: ['string', 'null'], enum: [...JOB_STATUSES, null] },
            to: { type: 'string', enum: [...JOB_STATUSES] },
            attempt: count,
            reason: { type: ['string', 'null'] },
            at: dateTime,
          },
        },
      },
    },
  },
  JobList: {
    type: 'object',
    additionalProperties: false,
    required: ['jobs', 'nextCursor'],
    properties: {
      jobs: { type: 'array', items: { $ref: '#/components/schemas/Job' } },
      nextCursor: {
        type: ['string', 'null'],
        description: 'Pass as cursor for the next page; null on the last',
      },
    },
  },
  SigningKeys: {
    type: 'object',
    description:
      'Every signing key and rotation; `verify --trusted-keys` reads it as is',
    additionalProperties: false,
    required: ['mediaType', 'keys', 'rotations'],
    properties: {
      mediaType: { const: TRUST_FILE_MEDIA_TYPE },
      keys: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: [
            'keyId',
            'fingerprint',
            'algorithm',
            'status',
            'publicKeyPem',
            'validFrom',
            'validUntil',
            'revokedAt',
            'revocationReason',
          ],
          properties: {
            keyId: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
            fingerprint: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            algorithm: { type: 'string', enum: [...SIGNING_ALGORITHMS] },
            status: { type: 'string', enum: ['active', 'retired', 'revoked'] },
            publicKeyPem: { type: 'string' },
            validFrom: dateTime,
            validUntil: nullableDateTime,
            revokedAt: nullableDateTime,
            revocationReason: { type: ['string', 'null'] },
          },
        },
      },
      rotations: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: [
            'previousKeyId',
            'nextKeyId',
            'rotatedAt',
            'statement',
            'signature',
          ],
          properties: {
            previousKeyId: { type: 'string' },
            nextKeyId: { type: 'string' },
            rotatedAt: dateTime,
            statement: {
              type: 'string',
              description: 'The signed JSON text, byte for byte (UTF-8)',
            },
            signature: {
              type: 'string',
              description: 'Base64 signature of statement by the previous key',
            },
          },
        },
      },
    },
  },
  Me: {
    type: 'object',
    required: [
      'tenantId',
      'subject',
      'roles',
      'role',
      'roleNote',
      'tenants',
      'features',
    ],
    properties: {
      tenantId: { type: 'string' },
      subject: { type: 'string' },
      roles: {
        type: 'array',
        items: { type: 'string', enum: ['viewer', 'exporter', 'admin'] },
        description: "The token's roles in its tenant",
      },
      role: {
        type: 'string',
        enum: ['viewer', 'exporter', 'admin'],
        description: 'The highest of the roles, for display',
      },
      roleNote: { type: 'string' },
      tenants: {
        type: 'array',
        description: 'The tenants this token may act for (none or one)',
        items: {
          type: 'object',
          required: ['id', 'name'],
          properties: { id: { type: 'string' }, name: { type: 'string' } },
        },
      },
      features: {
        type: 'object',
        required: ['ui', 'api'],
        properties: { ui: { type: 'boolean' }, api: { type: 'boolean' } },
      },
    },
  },
  Estimate: {
    type: 'object',
    required: ['tenantId', 'dateRange', 'kinds'],
    properties: {
      tenantId: { type: 'string' },
      dateRange: {
        type: 'object',
        required: ['from', 'to'],
        properties: { from: dateTime, to: dateTime },
      },
      kinds: {
        type: 'object',
        required: [...ARTIFACT_KINDS],
        additionalProperties: false,
        properties: Object.fromEntries(
          ARTIFACT_KINDS.map((kind) => [
            kind,
            {
              type: 'object',
              required: ['items', 'bytes'],
              properties: { items: count, bytes: count },
            },
          ]),
        ),
      },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['ok'] } },
  },
  ...webhookSchemas,
};

// Every operation can meet these: an unreadable request (a malformed path
// escape, a body that does not decode) and a method the path lacks.
const commonErrors = {
  '400': respond('The request could not be read'),
  '405': respond('The path does not have this method; see Allow'),
};

const uiPage = {
  '200': {
    description: 'The single-page app (its routes all answer index.html)',
    content: { 'text/html': { schema: { type: 'string' } } },
  },
};

const authErrors = {
  ...commonErrors,
  '401': respond('Missing or invalid API token'),
  '403': respond("The token's role does not allow this (docs/security.md)"),
  '429': {
    ...respond('Too many requests for this token or tenant'),
    headers: { 'Retry-After': { schema: { type: 'integer' } } },
  },
};

// A signed download link (from a job's bundle) stands in for a token.
const linkParams = [
  query('tenant', 'Signed link: the tenant of the job', { type: 'string' }),
  query('expires', 'Signed link: expiry, Unix seconds', { type: 'string' }),
  query('sig', 'Signed link: HMAC-SHA256 of job, tenant, file, expiry', {
    type: 'string',
  }),
];

/** The OpenAPI 3.1 description of the API, served at /openapi.json. */
export const openApiDocument = withRequiredRoles({
  openapi: '3.1.0',
  info: {
    title: 'Disclosure Packager API',
    version: '0.1.0',
    description:
      "Export a tenant's evidence for a time window as one signed, " +
      'verifiable ZIP bundle. Every error is application/problem+json.',
  },
  components: {
    schemas,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
  },
  security: [{ bearer: [] }],
  paths: {
    '/disclosures/export': {
      post: {
        summary: 'Start an export job',
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', maxLength: 200 },
          },
        ],
        requestBody: { required: true, content: json('ExportRequest') },
        responses: {
          '202': {
            description: 'Accepted; poll the Location',
            headers: { Location: { schema: { type: 'string' } } },
            content: json('ExportAccepted'),
          },
          ...authErrors,
          '400': respond('The request is not valid'),
          '404': respond(
            'Unknown tenant, or the export routes are not enabled for it',
          ),
          '422': respond(
            'Idempotency key reused with another request, or the window ' +
              'is longer than allowed',
          ),
          '429': {
            ...respond(
              'The tenant has too many unfinished exports, or too many ' +
                'requests came from this token or tenant',
            ),
            headers: { 'Retry-After': { schema: { type: 'integer' } } },
          },
          '413': respond('Body too large'),
          '415': respond('Body is not JSON'),
        },
      },
    },
    '/jobs': {
      get: {
        summary: "List the tenant's export jobs, newest first",
        parameters: [
          query('status', 'Comma-separated statuses to keep', {
            type: 'string',
          }),
          query('from', 'Keep jobs whose window ends after this', dateTime),
          query('to', 'Keep jobs whose window starts before this', dateTime),
          query('limit', 'Page size, 1 to 200 (default 50)', {
            type: 'integer',
            minimum: 1,
            maximum: 200,
          }),
          query('cursor', 'nextCursor of the previous page', {
            type: 'string',
          }),
        ],
        responses: {
          '200': { description: 'The jobs', content: json('JobList') },
          ...authErrors,
        },
      },
    },
    '/jobs/{id}/cancel': {
      post: {
        summary: 'Cancel a pending or running export',
        parameters: [jobIdParam],
        responses: {
          '200': { description: 'The cancelled job', content: json('Job') },
          ...authErrors,
          '404': respond('No such job for this tenant'),
          '409': respond('The job has already finished'),
        },
      },
    },
    '/jobs/{id}/retry': {
      post: {
        summary: 'Run a failed or cancelled export again',
        parameters: [jobIdParam],
        responses: {
          '202': {
            description: 'Accepted; the job is pending again',
            headers: { Location: { schema: { type: 'string' } } },
            content: json('Job'),
          },
          ...authErrors,
          '404': respond('No such job for this tenant'),
          '409': respond('Only a failed or cancelled job can be retried'),
          '429': tooManyJobs,
        },
      },
    },
    '/jobs/{id}': {
      get: {
        summary: 'Read an export job',
        parameters: [jobIdParam],
        responses: {
          '200': { description: 'The job', content: json('Job') },
          ...authErrors,
          '404': respond('No such job for this tenant'),
        },
      },
    },
    '/jobs/{id}/bundle': {
      get: {
        summary:
          'Download the bundle ZIP (supports Range), with an exporter ' +
          "token or the job's signed downloadUrl",
        parameters: [jobIdParam, ...linkParams],
        responses: {
          '200': {
            description: 'The whole bundle',
            content: {
              'application/zip': {
                schema: { type: 'string', contentMediaType: 'application/zip' },
              },
            },
          },
          '206': {
            description: 'The requested byte range',
            content: {
              'application/zip': {
                schema: { type: 'string', contentMediaType: 'application/zip' },
              },
            },
          },
          ...authErrors,
          '404': respond('No such job for this tenant'),
          '409': respond('The job has no bundle (yet)'),
          '416': respond('Range not satisfiable'),
          '500': respond('The stored bundle no longer matches its job'),
        },
      },
    },
    '/jobs/{id}/bundle.sig': {
      get: {
        summary:
          'The detached signature of the whole ZIP, as cosign sign-blob ' +
          'writes it (base64 of the DER signature), with an exporter ' +
          "token or the job's signed signatureUrl",
        parameters: [jobIdParam, ...linkParams],
        responses: {
          '200': {
            description: 'The signature',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...authErrors,
          '404': respond(
            'No such job, its bundle is gone, or it has no ZIP signature',
          ),
          '409': respond('The job has no bundle (yet)'),
          '500': respond('The stored bundle no longer matches its job'),
        },
      },
    },
    '/me': {
      get: {
        summary: 'Who the token speaks for, its role and its features',
        responses: {
          '200': { description: 'The caller', content: json('Me') },
          ...authErrors,
        },
      },
    },
    '/disclosures/estimate': {
      get: {
        summary: 'Items and bytes of each kind in a window, before export',
        parameters: [
          {
            ...query('tenantId', 'The tenant', { type: 'string' }),
            required: true,
          },
          {
            ...query('from', 'Window start (inclusive)', dateTime),
            required: true,
          },
          {
            ...query('to', 'Window end (exclusive)', dateTime),
            required: true,
          },
        ],
        responses: {
          '200': { description: 'Counts per kind', content: json('Estimate') },
          ...authErrors,
          '400': respond('Missing or bad parameters, or an impossible window'),
          '404': respond(
            'Unknown tenant, or the export routes are not enabled for it',
          ),
        },
      },
    },
    ...webhookPaths(authErrors),
    '/': {
      get: {
        summary: 'Redirects to the web UI at /ui/',
        security: [],
        responses: { ...commonErrors, '302': { description: 'To /ui/' } },
      },
    },
    '/ui/': {
      get: {
        summary: 'The web UI',
        security: [],
        responses: { ...commonErrors, ...uiPage },
      },
    },
    '/ui/{path}': {
      get: {
        summary: 'A page or asset of the web UI',
        security: [],
        parameters: [
          {
            name: 'path',
            in: 'path',
            required: true,
            schema: { type: 'string' },
          },
        ],
        responses: {
          ...commonErrors,
          ...uiPage,
          '301': { description: '/ui redirects to /ui/' },
          '404': respond('No such asset, or the UI is not built'),
        },
      },
    },
    '/signing-keys': {
      get: {
        summary: 'The public keys that sign bundles',
        security: [],
        responses: {
          ...commonErrors,
          '200': { description: 'The keys', content: json('SigningKeys') },
        },
      },
    },
    '/healthz': {
      get: {
        summary: 'Liveness',
        security: [],
        responses: {
          ...commonErrors,
          '200': { description: 'Alive', content: json('Health') },
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (restrict to the scraper at the proxy)',
        security: [],
        responses: {
          ...commonErrors,
          '200': {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        security: [],
        responses: {
          ...commonErrors,
          '200': {
            description: 'OpenAPI 3.1',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
  },
} as const);

/**
 * Marks every operation with `x-required-role` from ROUTE_ACCESS, the one
 * table that authorizes requests, so that clients and `probe isolation`
 * read the same rule the server applies.
 */
function withRequiredRoles<T extends { paths: object }>(doc: T): T {
  const paths = doc.paths as Record<string, Record<string, object>>;
  const annotated = Object.fromEntries(
    Object.entries(paths).map(([template, operations]) => [
      template,
      Object.fromEntries(
        Object.entries(operations).map(([method, operation]) => [
          method,
          {
            ...operation,
            'x-required-role':
              ROUTE_ACCESS[`${method.toUpperCase()} ${template}`]?.requires,
          },
        ]),
      ),
    ]),
  );
  return { ...doc, paths: annotated };
}
