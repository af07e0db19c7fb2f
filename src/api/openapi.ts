import {
  ARTIFACT_KINDS,
  JOB_STAGES,
  JOB_STATUSES,
  KIND_STATUSES,
} from '../domain/index.js';
import { ROUTE_ACCESS } from './access.js';
import { dateTime, json, nullableDateTime, respond } from './docparts.js';
import { SIGNING_ALGORITHMS, TRUST_FILE_MEDIA_TYPE } from '../signing/index.js';
import { webhookPaths, webhookSchemas } from './webhookdoc.js';

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
const DOCUMENT_KINDS = ARTIFACT_KINDS.filter((k) => k !== 'audit-events');
const tenantParam = {
  ...query('tenantId', "The caller's tenant", { type: 'string' }),
  required: true,
};
const ingestErrors = {
  '400': respond('Missing or bad parameters, or a body cut short'),
  '404': respond('Unknown tenant'),
  '413': respond('The body is larger than DP_INGEST_MAX_BYTES'),
  '415': respond('A media type or content encoding that is not accepted'),
};
const sha512Schema = { type: 'string', pattern: '^[0-9a-f]{128}$' };
const sha512Param = {
  name: 'sha512',
  in: 'path',
  required: true,
  description: 'A SHA-512 digest, 128 lowercase hex digits',
  schema: { type: 'string' },
};
const expired = respond(
  "The bundle was deleted at the end of the tenant's retention period",
);
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
      checks: {
        type: 'array',
        description: 'DP_NOT_READY: every readiness check and its result',
        items: { $ref: '#/components/schemas/ReadinessCheck' },
      },
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
      'expiredAt',
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
          bytesWritten: {
            ...count,
            description:
              "Bytes of evidence written into the bundle's entries, before " +
              'compression; the bundle itself is `bundle.size`',
          },
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
      expiredAt: {
        ...nullableDateTime,
        description:
          "When the bundle was deleted at the end of the tenant's " +
          'retention period (status expired); its bundle is then null',
      },
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
            type: ['string', 'null'],
            description:
              'A signed link that needs no token, valid 15 minutes by ' +
              'default; every read of the job gives a fresh one. Null for ' +
              'a caller who may not download (a viewer)',
          },
          signatureUrl: {
            type: ['string', 'null'],
            description:
              'Signed link to the detached signature of the whole ZIP, if ' +
              'any; null for a caller who may not download',
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
  Settings: {
    type: 'object',
    description: "The caller's tenant's settings; null means the default",
    required: [
      'tenantId',
      'retentionDays',
      'jurisdictionTags',
      'updatedAt',
      'updatedBy',
    ],
    properties: {
      tenantId: { type: 'string' },
      retentionDays: {
        type: ['integer', 'null'],
        minimum: 1,
        maximum: 3650,
        description: "Days a bundle is kept; null: the deployment's default",
      },
      jurisdictionTags: {
        type: 'array',
        maxItems: 20,
        items: {
          type: 'string',
          pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$',
        },
        description: 'Tags for every artifact of the tenant in the manifest',
      },
      updatedAt: nullableDateTime,
      updatedBy: { type: ['string', 'null'] },
    },
  },
  SettingsPatch: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      retentionDays: { type: ['integer', 'null'], minimum: 1, maximum: 3650 },
      jurisdictionTags: {
        type: 'array',
        maxItems: 20,
        uniqueItems: true,
        items: {
          type: 'string',
          pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$',
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
      'limits',
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
      limits: {
        type: 'object',
        required: ['maxWindowDays'],
        description:
          'What a request must meet, to check before sending it; the ' +
          'service enforces the same limits',
        properties: {
          maxWindowDays: {
            type: 'integer',
            minimum: 1,
            description:
              'The longest export window in days (DP_MAX_WINDOW_DAYS); ' +
              'a longer one answers 422 DP_WINDOW_TOO_LONG',
          },
        },
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
  EvidenceDocument: {
    type: 'object',
    additionalProperties: false,
    required: [
      'id',
      'tenantId',
      'kind',
      'format',
      'specVersion',
      'mediaType',
      'fileName',
      'size',
      'sha512',
      'eventTime',
      'eventTimeSource',
      'tags',
      'metadata',
      'ingestedAt',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      tenantId: { type: 'string' },
      kind: { type: 'string', enum: DOCUMENT_KINDS },
      format: { type: 'string' },
      specVersion: { type: ['string', 'null'] },
      mediaType: { type: 'string' },
      fileName: { type: 'string' },
      size: count,
      sha512: { type: 'string', pattern: '^[0-9a-f]{128}$' },
      eventTime: dateTime,
      eventTimeSource: {
        type: 'string',
        enum: ['document', 'supplied', 'ingest'],
        description:
          'document: the time the document states; supplied: the ' +
          'eventTime given at ingest; ingest: the time it was received',
      },
      tags: { type: 'array', items: { type: 'string' } },
      metadata: {
        type: 'object',
        description: 'What detection read from the document (per format)',
      },
      ingestedAt: dateTime,
    },
  },
  DocumentIngested: {
    type: 'object',
    additionalProperties: false,
    required: ['status', 'document', 'warnings'],
    properties: {
      status: {
        type: 'string',
        enum: ['stored', 'duplicate'],
        description:
          'duplicate: the same bytes (SHA-512) were stored before; the ' +
          'stored document is answered and nothing is stored again',
      },
      document: { $ref: '#/components/schemas/EvidenceDocument' },
      warnings: { type: 'array', items: { type: 'string' } },
    },
  },
  EventsIngested: {
    type: 'object',
    additionalProperties: false,
    required: [
      'status',
      'tenantId',
      'name',
      'format',
      'events',
      'lineErrors',
      'errors',
      'warnings',
    ],
    properties: {
      status: {
        type: 'string',
        enum: ['stored', 'partial', 'duplicate'],
        description:
          'partial: some lines could not be read (see lineErrors); the ' +
          'good ones are kept. duplicate: every event was stored before',
      },
      tenantId: { type: 'string' },
      name: { type: 'string', description: 'The source name of the events' },
      format: { type: ['string', 'null'] },
      events: {
        type: 'object',
        additionalProperties: false,
        required: ['read', 'stored', 'duplicates'],
        properties: { read: count, stored: count, duplicates: count },
      },
      lineErrors: {
        type: 'array',
        description: 'The first 100 lines that could not be read',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['line', 'message'],
          properties: {
            line: { type: 'integer', minimum: 1 },
            message: { type: 'string' },
          },
        },
      },
      errors: {
        type: 'array',
        description: 'Every problem in words, with a count of unlisted lines',
        items: { type: 'string' },
      },
      warnings: { type: 'array', items: { type: 'string' } },
    },
  },
  ArtifactProvenance: {
    type: 'object',
    additionalProperties: false,
    required: ['sha512', 'bundles'],
    properties: {
      sha512: sha512Schema,
      bundles: {
        type: 'array',
        description: 'Every bundle of the tenant that held it, oldest first',
        items: {
          type: 'object',
          additionalProperties: false,
          required: [
            'sha512',
            'size',
            'keyId',
            'publishedAt',
            'jobId',
            'requestedBy',
            'path',
            'kind',
          ],
          properties: {
            sha512: sha512Schema,
            size: count,
            keyId: { type: 'string' },
            publishedAt: dateTime,
            jobId: { type: 'string' },
            requestedBy: { type: 'string' },
            path: { type: 'string', description: 'Its path in that bundle' },
            kind: artifactKind,
          },
        },
      },
    },
  },
  BundleProvenance: {
    type: 'object',
    additionalProperties: false,
    required: [
      'sha512',
      'size',
      'keyId',
      'publishedAt',
      'job',
      'artifacts',
      'downloads',
    ],
    properties: {
      sha512: sha512Schema,
      size: count,
      keyId: { type: 'string', description: 'The key that signed it' },
      publishedAt: dateTime,
      job: {
        type: 'object',
        additionalProperties: false,
        required: ['jobId', 'requestedBy', 'requestedAt', 'dateRange'],
        properties: {
          jobId: { type: 'string' },
          requestedBy: { type: 'string' },
          requestedAt: dateTime,
          dateRange: {
            type: 'object',
            required: ['from', 'to'],
            properties: { from: dateTime, to: dateTime },
          },
        },
      },
      artifacts: {
        type: 'array',
        description: 'Every evidence file it held, by path',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['sha512', 'kind', 'path'],
          properties: {
            sha512: sha512Schema,
            kind: artifactKind,
            path: { type: 'string' },
          },
        },
      },
      downloads: {
        type: 'array',
        description: 'Every download, oldest first',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['actor', 'via', 'at'],
          properties: {
            actor: { type: 'string' },
            via: { type: 'string', enum: ['token', 'oidc', 'link'] },
            at: dateTime,
          },
        },
      },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['ok'] } },
  },
  ReadinessCheck: {
    type: 'object',
    required: ['name', 'status', 'durationMs'],
    properties: {
      name: { type: 'string', enum: ['database', 'storage', 'queue'] },
      status: { type: 'string', enum: ['ok', 'failed'] },
      durationMs: { type: 'number', minimum: 0 },
      reason: {
        type: 'string',
        description: 'Why it failed: an error code or class, or a timeout',
      },
    },
  },
  AdoptionFigures: {
    type: 'object',
    required: [
      'requested',
      'completed',
      'partial',
      'failed',
      'downloads',
      'jobsDownloaded',
      'timeToValue',
    ],
    properties: {
      tenantId: { type: 'string' },
      requested: { type: 'integer', minimum: 0 },
      completed: { type: 'integer', minimum: 0 },
      partial: { type: 'integer', minimum: 0 },
      failed: { type: 'integer', minimum: 0 },
      downloads: { type: 'integer', minimum: 0 },
      jobsDownloaded: { type: 'integer', minimum: 0 },
      timeToValue: {
        type: 'object',
        description:
          'Request to first whole download, for jobs requested in the window',
        required: ['jobs', 'medianSeconds', 'p95Seconds'],
        properties: {
          jobs: { type: 'integer', minimum: 0 },
          medianSeconds: { type: ['number', 'null'], minimum: 0 },
          p95Seconds: { type: ['number', 'null'], minimum: 0 },
        },
      },
    },
  },
  AdoptionReport: {
    type: 'object',
    required: ['from', 'to', 'global', 'tenants'],
    properties: {
      from: dateTime,
      to: dateTime,
      global: { $ref: '#/components/schemas/AdoptionFigures' },
      tenants: {
        type: 'array',
        items: { $ref: '#/components/schemas/AdoptionFigures' },
      },
    },
  },
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { type: 'string', enum: ['ready'] },
      checks: {
        type: 'array',
        items: { $ref: '#/components/schemas/ReadinessCheck' },
      },
    },
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
    '/analytics/adoption': {
      get: {
        summary:
          'Adoption per tenant and overall: exports requested, finished and ' +
          'downloaded, and time to value (platform operators only)',
        parameters: [
          query(
            'from',
            'Start of the window (default: 30 days before to)',
            dateTime,
          ),
          query('to', 'End of the window, exclusive (default: now)', dateTime),
        ],
        responses: {
          '200': { description: 'The report', content: json('AdoptionReport') },
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
    '/settings': {
      get: {
        summary: "The caller's tenant's settings",
        responses: {
          '200': { description: 'The settings', content: json('Settings') },
          ...authErrors,
        },
      },
      patch: {
        summary: "Change the caller's tenant's settings (admin)",
        requestBody: { required: true, content: json('SettingsPatch') },
        responses: {
          '200': {
            description: 'The settings after the change',
            content: json('Settings'),
          },
          ...authErrors,
          '413': respond('The request body is larger than 64 KiB'),
          '415': respond('The request body is not JSON'),
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
          '307': {
            description:
              'With S3 storage (DP_S3_DOWNLOADS=redirect, the default ' +
              'there): a presigned URL of the object store, followed with ' +
              'the same Range; X-Download-Expires tells when it stops working',
            headers: {
              Location: { schema: { type: 'string' } },
              'X-Download-Expires': {
                schema: { type: 'string', format: 'date-time' },
              },
            },
          },
          ...authErrors,
          '404': respond('No such job for this tenant'),
          '409': respond('The job has no bundle (yet)'),
          '410': expired,
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
          '410': expired,
          '500': respond('The stored bundle no longer matches its job'),
        },
      },
    },
    '/evidence/audit-events': {
      post: {
        summary:
          'Ingest audit events as JSON Lines, streamed (docs/connectors.md)',
        parameters: [
          tenantParam,
          query('name', 'Source file name (default audit-events.jsonl)', {
            type: 'string',
          }),
        ],
        requestBody: {
          required: true,
          content: {
            'application/jsonl': { schema: { type: 'string' } },
            'application/x-ndjson': { schema: { type: 'string' } },
          },
        },
        responses: {
          '201': {
            description: 'New events stored; bad lines listed',
            content: json('EventsIngested'),
          },
          '200': {
            description: 'Every event read was stored before',
            content: json('EventsIngested'),
          },
          ...authErrors,
          ...ingestErrors,
          '422': respond(
            'No event could be read (line errors in errors), or the body ' +
              'is evidence of another kind',
          ),
        },
      },
    },
    '/evidence/documents': {
      post: {
        summary:
          'Ingest one document (SBOM, attestation, signature, policy ' +
          'report) as the raw request body',
        parameters: [
          tenantParam,
          query('name', 'File name, also a hint to detection', {
            type: 'string',
          }),
          query('kind', 'Refuse the file unless it is of this kind', {
            type: 'string',
            enum: DOCUMENT_KINDS,
          }),
          query('tags', 'Comma-separated tags, such as EU,gdpr', {
            type: 'string',
          }),
          query(
            'eventTime',
            'The time the document belongs to, over the one it states',
            dateTime,
          ),
        ],
        requestBody: {
          required: true,
          content: { '*/*': { schema: { type: 'string' } } },
        },
        responses: {
          '201': {
            description: 'Stored',
            headers: { Location: { schema: { type: 'string' } } },
            content: json('DocumentIngested'),
          },
          '200': {
            description: 'The same bytes were stored before: the stored one',
            headers: { Location: { schema: { type: 'string' } } },
            content: json('DocumentIngested'),
          },
          ...authErrors,
          ...ingestErrors,
          '422': respond(
            'Not recognised as evidence, or not of the kind named',
          ),
        },
      },
    },
    '/evidence/documents/{id}': {
      get: {
        summary: "One of the tenant's documents, as indexed (not its bytes)",
        parameters: [jobIdParam],
        responses: {
          '200': {
            description: 'The document',
            content: json('EvidenceDocument'),
          },
          ...authErrors,
          '404': respond('No such document for this tenant'),
        },
      },
    },
    '/provenance/artifacts/{sha512}': {
      get: {
        summary:
          "The tenant's bundles that contained an artifact (by its " +
          'SHA-512): when, for whom, at which path',
        parameters: [sha512Param],
        responses: {
          '200': {
            description: 'The bundles',
            content: json('ArtifactProvenance'),
          },
          ...authErrors,
          '404': respond('No bundle of this tenant held it'),
        },
      },
    },
    '/provenance/bundles/{sha512}': {
      get: {
        summary:
          'What a bundle (by its SHA-512) contained, its job, its signing ' +
          'key and its downloads',
        parameters: [sha512Param],
        responses: {
          '200': {
            description: 'The bundle',
            content: json('BundleProvenance'),
          },
          ...authErrors,
          '404': respond('This tenant published no such bundle'),
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
    '/readyz': {
      get: {
        summary:
          'Readiness: the database, object store and queue all answer ' +
          '(for load balancers; /healthz is liveness)',
        security: [],
        responses: {
          ...commonErrors,
          '200': { description: 'Ready', content: json('Readiness') },
          '503': respond(
            'Not ready: a dependency failed its check (DP_NOT_READY, with checks)',
          ),
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
 * Marks every operation with `x-required-role` (and `x-about-caller`) from
 * ROUTE_ACCESS, the one table that authorizes requests, so that clients
 * and `probe isolation` read the same rule the server applies.
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
            ...(ROUTE_ACCESS[`${method.toUpperCase()} ${template}`]?.aboutCaller
              ? { 'x-about-caller': true }
              : {}),
          },
        ]),
      ),
    ]),
  );
  return { ...doc, paths: annotated };
}
