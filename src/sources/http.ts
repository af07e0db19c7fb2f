import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { z } from 'zod';
import {
  PackagerError,
  isInWindow,
  isPackagerError,
  toInstant,
  type ArtifactKind,
  type AuditEvent,
  type TimeWindow,
} from '../domain/index.js';
import { detectEvidence, readAuditRecord } from '../evidence/index.js';
import { backoffDelay, sleep } from '../jobs/backoff.js';
import { assertPublicUrl, type Resolve } from '../net/index.js';
import type { Metrics } from '../telemetry/index.js';
import { authHeaderOf, type ConnectorConfig } from './config.js';
import { FetchFailure, getChecked, type Answer } from './fetch.js';
import type { EvidenceSource, SourceDocument } from './source.js';

/** What a connector needs from the process around it. */
export interface ConnectorContext {
  /** DP_URL_ALLOW_LIST: private hosts a connector may reach. */
  allowList: readonly string[];
  resolve?: Resolve;
  metrics?: Metrics;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** A page failed for a transient reason and will be asked again. */
  onRetry?: (reason: string, delayMs: number) => void;
}

type Outcome =
  'ok' | 'server-error' | 'timeout' | 'network-error' | 'refused' | 'invalid';

const cursor = z.string().min(1).max(4096).nullable().optional();
const eventsPage = z.object({
  events: z.array(z.unknown()),
  next_cursor: cursor,
});
const documentsPage = z.object({
  documents: z.array(
    z.object({
      name: z.string().min(1).max(200),
      time: z.string(),
      content: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
      sha512: z
        .string()
        .regex(/^[0-9a-f]{128}$/)
        .optional(),
    }),
  ),
  next_cursor: cursor,
});

/**
 * A customer's evidence service, read through the contract of
 * docs/connectors.md: GET with the window and a cursor, one page at a
 * time, each page retried with backoff on 5xx, 429, timeouts and network
 * errors. A page outside the contract fails with DP_CONNECTOR_INVALID, a
 * 4xx with DP_CONNECTOR_REFUSED, and a service still failing after its
 * retries with DP_SOURCE_UNAVAILABLE.
 */
export class HttpConnector implements EvidenceSource {
  readonly name: string;
  readonly kind: ArtifactKind;

  constructor(
    private readonly config: ConnectorConfig,
    private readonly ctx: ConnectorContext,
  ) {
    this.name = config.name;
    this.kind = config.kind;
  }

  async *events(
    tenantId: string,
    window: TimeWindow,
  ): AsyncGenerator<AuditEvent> {
    let last = -Infinity;
    for await (const { page, body } of this.pages(window, eventsPage)) {
      const { events } = body;
      for (const [index, record] of events.entries()) {
        const where = `page ${page} item ${index + 1}`;
        const event = readAuditRecord(record);
        if (typeof event === 'string') throw this.invalid(`${where}: ${event}`);
        this.assertInWindow(window, event.eventTime, where);
        if (event.eventTime.getTime() < last) {
          throw this.invalid(`${where}: events must come in ascending time`);
        }
        last = event.eventTime.getTime();
        const { format, ...parsed } = event;
        yield {
          ...parsed,
          tenantId,
          sourceFormat: format,
          sourceName: `connector:${this.name}`,
        };
      }
    }
  }

  async *documents(
    _tenantId: string,
    window: TimeWindow,
  ): AsyncGenerator<SourceDocument> {
    for await (const { page, body } of this.pages(window, documentsPage)) {
      const { documents } = body;
      for (const [index, item] of documents.entries()) {
        yield this.toDocument(item, window, `page ${page} item ${index + 1}`);
      }
    }
  }

  /** Pages in order, each asked for only when the last one is taken. */
  private async *pages<T extends { next_cursor?: string | null }>(
    window: TimeWindow,
    schema: z.ZodType<T>,
  ): AsyncGenerator<{ page: number; body: T }> {
    const seen = new Set<string>();
    let next: string | null = null;
    for (let page = 1; ; page += 1) {
      const body: T = await this.fetchPage(window, next, page, schema);
      yield { page, body };
      const raw: string | null | undefined = body.next_cursor;
      if (raw === null || raw === undefined) return;
      if (seen.has(raw)) {
        throw this.invalid(`page ${page}: next_cursor ${raw} came before`);
      }
      seen.add(raw);
      next = raw;
    }
  }

  private async fetchPage<T>(
    window: TimeWindow,
    cursorValue: string | null,
    page: number,
    schema: z.ZodType<T>,
  ): Promise<T> {
    const url = this.pageUrl(window, cursorValue);
    for (let retry = 1; ; retry += 1) {
      const failure = await this.tryPage(url, page, schema);
      if (!('outcome' in failure)) return failure.body;
      if (retry > this.config.retries) {
        throw new PackagerError(
          'DP_SOURCE_UNAVAILABLE',
          `connector ${this.name}: ${failure.message} (page ${page}, ` +
            `after ${this.config.retries} retries)`,
        );
      }
      const delay = backoffDelay(
        { baseMs: this.config.retryBaseMs, maxMs: 30_000 },
        retry,
      );
      this.ctx.onRetry?.(failure.message, delay);
      await sleep(delay, this.ctx.signal);
    }
  }

  /** One request: the page's JSON, or a failure worth retrying. */
  private async tryPage<T>(
    url: string,
    page: number,
    schema: z.ZodType<T>,
  ): Promise<{ body: T } | { outcome: Outcome; message: string }> {
    let answer: Answer;
    try {
      const target = await assertPublicUrl(url, {
        allowList: this.ctx.allowList,
        resolve: this.ctx.resolve,
      });
      answer = await getChecked(target, {
        headers: this.headers(),
        timeoutMs: this.config.timeoutMs,
        maxBytes: this.config.maxPageBytes,
        signal: this.ctx.signal,
      });
    } catch (error) {
      this.ctx.signal?.throwIfAborted();
      return this.failed(error, page);
    }
    if (answer.status >= 500 || answer.status === 429) {
      this.count('server-error');
      return { outcome: 'server-error', message: `answered ${answer.status}` };
    }
    if (answer.status !== 200) {
      this.count('refused');
      throw new PackagerError(
        'DP_CONNECTOR_REFUSED',
        `connector ${this.name} answered ${answer.status} to page ${page}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.body.toString('utf8'));
    } catch {
      this.count('invalid');
      throw this.invalid(`page ${page} is not JSON`);
    }
    const shaped = this.shape(schema, body, page);
    this.count('ok');
    return { body: shaped };
  }

  private failed(
    error: unknown,
    page: number,
  ): { outcome: Outcome; message: string } {
    if (error instanceof FetchFailure && error.code !== 'too-large') {
      this.count(error.code);
      return { outcome: error.code, message: error.message };
    }
    if (error instanceof FetchFailure) {
      this.count('invalid');
      throw this.invalid(`page ${page}: ${error.message}`);
    }
    this.count('refused');
    if (isPackagerError(error)) {
      throw new PackagerError(
        error.code,
        `connector ${this.name}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }

  private pageUrl(window: TimeWindow, cursorValue: string | null): string {
    const url = new URL(this.config.url);
    url.searchParams.set('kind', this.kind);
    url.searchParams.set('from', window.from.toISOString());
    url.searchParams.set('to', window.to.toISOString());
    url.searchParams.set('limit', String(this.config.pageSize));
    if (cursorValue) url.searchParams.set('cursor', cursorValue);
    return url.toString();
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'disclosure-packager',
    };
    const auth = authHeaderOf(this.config.auth, this.ctx.env);
    if (auth) headers[auth[0].toLowerCase()] = auth[1];
    return headers;
  }

  private toDocument(
    item: z.infer<typeof documentsPage>['documents'][number],
    window: TimeWindow,
    where: string,
  ): SourceDocument {
    const eventTime = this.timeOf(item.time, where);
    this.assertInWindow(window, eventTime, where);
    const bytes = Buffer.from(item.content, 'base64');
    const sha512 = createHash('sha512').update(bytes).digest('hex');
    if (item.sha512 && item.sha512 !== sha512) {
      throw this.invalid(`${where}: content does not match its sha512`);
    }
    const detection = detectEvidence(item.name, bytes);
    if (detection.type === 'unrecognised') {
      throw this.invalid(`${where} (${item.name}): ${detection.reason}`);
    }
    const kind =
      detection.type === 'document' ? detection.kind : 'audit-events';
    if (detection.type !== 'document' || kind !== this.kind) {
      throw this.invalid(
        `${where} (${item.name}) reads as ${kind}, not ${this.kind}`,
      );
    }
    return {
      kind: detection.kind,
      fileName: item.name,
      format: detection.format,
      specVersion: detection.specVersion,
      mediaType: detection.mediaType,
      eventTime,
      sha512,
      size: bytes.length,
      metadata: {
        ...detection.metadata,
        ...(detection.warnings.length > 0 && { warnings: detection.warnings }),
        connector: this.name,
        eventTimeSource: 'connector',
      },
      open: () => Promise.resolve(Readable.from([bytes])),
    };
  }

  private shape<T>(schema: z.ZodType<T>, body: unknown, page: number): T {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    this.count('invalid');
    const first = parsed.error.issues[0];
    throw this.invalid(
      `page ${page}: ${first?.path.join('.') || '(body)'} ${first?.message ?? ''}`,
    );
  }

  private timeOf(value: string, where: string): Date {
    try {
      return toInstant(value, 'time');
    } catch {
      throw this.invalid(`${where}: time is not RFC 3339`);
    }
  }

  private assertInWindow(window: TimeWindow, time: Date, where: string) {
    if (!isInWindow(window, time)) {
      throw this.invalid(
        `${where}: ${time.toISOString()} is outside the window asked for`,
      );
    }
  }

  private invalid(detail: string): PackagerError {
    return new PackagerError(
      'DP_CONNECTOR_INVALID',
      `connector ${this.name}: ${detail}`,
    );
  }

  private count(outcome: Outcome): void {
    this.ctx.metrics?.connectorRequests.inc({ kind: this.kind, outcome });
  }
}
