import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/index.js';

/** A logger writing JSON lines into a string, as production writes them. */
function capture() {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const logger = createLogger({ level: 'info', format: 'json', destination });
  return { logger, text: () => text };
}

const SECRET = 'dpt_s3cr3t-value-that-must-not-appear';

describe('the logger', () => {
  it.each([
    ['a token', { token: SECRET }],
    ['an authorization header', { authorization: `Bearer ${SECRET}` }],
    ['request headers', { req: { headers: { authorization: SECRET } } }],
    ['a nested token', { created: { token: SECRET, id: 'abc' } }],
    ['a link signature', { req: { query: { sig: SECRET } } }],
    ['a password', { password: SECRET }],
    ['the configured tokens', { apiTokens: [{ token: SECRET }] }],
    ['the link secret', { config: { security: { linkSecret: SECRET } } }],
    ['a secret', { webhook: { secret: SECRET } }],
    ['an operator token', { operatorTokens: [{ token: SECRET }] }],
    ['an audit record', { record: { user: SECRET } }],
    ['a nested audit record', { line: { record: SECRET } }],
    ['a document content', { doc: { content: SECRET } }],
    ['a request body', { req: { body: { tenantId: SECRET } } }],
    ['a matched value', { hit: { match: SECRET } }],
  ])('never writes %s', (_name, fields) => {
    const { logger, text } = capture();
    logger.info({ event: 'request.completed', ...fields }, 'done');
    expect(text()).toContain('"event":"request.completed"');
    expect(text()).toContain('[redacted]');
    expect(text()).not.toContain(SECRET);
  });

  it('adds the trace and span ids only when a span is active', () => {
    const { logger, text } = capture();
    logger.info({ event: 'job.started' }, 'no span');
    expect(JSON.parse(text())).not.toHaveProperty('trace_id');
  });

  it('keeps the fields that are not secret', () => {
    const { logger, text } = capture();
    logger.info({ event: 'job.created', created: { id: 'abc' } }, 'made');
    expect(JSON.parse(text())).toMatchObject({ created: { id: 'abc' } });
  });
});
