import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSecret, signatureHeaders } from '../../src/webhooks/index.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The shell verification of docs/webhooks.md, verbatim but for its four
 * placeholder assignments, which come from the environment instead.
 */
async function shellCheck(): Promise<string> {
  const text = await readFile(path.join(REPO, 'docs/webhooks.md'), 'utf8');
  const block = [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)]
    .map((m) => m[1] as string)
    .find((b) => b.includes('openssl dgst'));
  if (!block) throw new Error('docs/webhooks.md has no openssl check');
  return block.replace(/^(SECRET|ID|TS|SIG)=.*\n/gm, '');
}

describe('the shell verification in docs/webhooks.md', () => {
  let dir: string;
  let script: string;
  const body = '{"type":"disclosure.export.ready","data":{"name":"Zoë"}}';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dp-whdoc-'));
    script = await shellCheck();
    await writeFile(path.join(dir, 'body.json'), body);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function check(env: Record<string, string>) {
    try {
      const { stdout } = await run('sh', ['-c', script], {
        cwd: dir,
        env: { ...process.env, ...env },
      });
      return { code: 0, out: stdout };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, out: e.stderr };
    }
  }

  function headersFor(secrets: string[], payload = body) {
    const h = signatureHeaders('msg_0123', payload, secrets);
    return {
      ID: h['webhook-id'] as string,
      TS: h['webhook-timestamp'] as string,
      SIG: h['webhook-signature'] as string,
    };
  }

  it('accepts what the packager signs', async () => {
    const secret = newSecret();
    const result = await check({ SECRET: secret, ...headersFor([secret]) });
    expect(result).toEqual({ code: 0, out: 'signature OK\n' });
  });

  it('accepts either signature during a rotation', async () => {
    const [current, previous] = [newSecret(), newSecret()];
    const headers = headersFor([current, previous]);
    expect((await check({ SECRET: previous, ...headers })).code).toBe(0);
  });

  it('refuses another body, and another secret', async () => {
    const secret = newSecret();
    const tampered = headersFor([secret], body.replace('Zoë', 'Zoe'));
    const other = await check({ SECRET: secret, ...tampered });
    expect(other.code).toBe(1);
    expect(other.out).toContain('MISMATCH');
    const wrongKey = await check({
      SECRET: newSecret(),
      ...headersFor([secret]),
    });
    expect(wrongKey.code).toBe(1);
  });

  it('refuses a timestamp outside five minutes', async () => {
    const secret = newSecret();
    const old = signatureHeaders(
      'msg_0123',
      body,
      [secret],
      new Date(Date.now() - 600_000),
    );
    const result = await check({
      SECRET: secret,
      ID: old['webhook-id'] as string,
      TS: old['webhook-timestamp'] as string,
      SIG: old['webhook-signature'] as string,
    });
    expect(result.code).toBe(1);
    expect(result.out).toContain('five minutes');
  });
});
