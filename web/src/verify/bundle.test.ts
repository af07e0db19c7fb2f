// @vitest-environment node
import { openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aSigner,
  anAssembly,
  assembleToFile,
  aTempDir,
  rewriteZip,
} from '../../../test/bundle/builders';
import type { Signer } from '../../../src/signing/index';
import { verifyBundleBlob } from './bundle';
import type { CheckResult, Verdict, VerifyMessage } from './checks';
import { derToRaw } from './signature';

interface Outcome {
  verdict: Verdict;
  checks: Record<string, CheckResult>;
}

async function verify(
  path: string,
  key: { name: string; text: string } | null = null,
): Promise<Outcome> {
  const messages: VerifyMessage[] = [];
  await verifyBundleBlob({ zip: await openAsBlob(path), key }, (m) =>
    messages.push(m),
  );
  const done = messages.find((m) => m.type === 'done');
  if (done?.type !== 'done') throw new Error('no done message');
  const checks = Object.fromEntries(
    messages.flatMap((m) =>
      m.type === 'check' ? [[m.result.id, m.result]] : [],
    ),
  );
  return { verdict: done.verdict, checks };
}

describe('verifyBundleBlob', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let signer: Signer;
  let good: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await aTempDir());
    signer = aSigner();
    good = join(dir, 'good.zip');
    await assembleToFile(good, anAssembly(signer, { compression: 'deflate' }));
  });
  afterAll(() => cleanup());

  it('finds a bundle intact but its signer unproven without a key', async () => {
    const outcome = await verify(good);
    expect(outcome.verdict).toBe('intact');
    expect(outcome.checks.files?.status).toBe('pass');
    expect(outcome.checks.signature?.status).toBe('pass');
    expect(outcome.checks.key?.status).toBe('warn');
  });

  it('verifies a bundle signed by the key the user gives', async () => {
    const pem = signer.publicKeyPem;
    const outcome = await verify(good, { name: 'cosign.pub', text: pem });
    expect(outcome.verdict).toBe('verified');
  });

  it('refuses a bundle signed by another key than the given one', async () => {
    const other = aSigner().publicKeyPem;
    const outcome = await verify(good, { name: 'cosign.pub', text: other });
    expect(outcome.verdict).toBe('failed');
    expect(outcome.checks.key?.status).toBe('fail');
    expect(outcome.checks.signature?.status).toBe('fail');
  });

  it('names the file changed after signing', async () => {
    const tampered = join(dir, 'tampered.zip');
    await rewriteZip(good, tampered, (items) =>
      items.map((item) =>
        item.name.startsWith('audit-events/')
          ? { ...item, data: Buffer.concat([item.data, Buffer.from('{}\n')]) }
          : item,
      ),
    );
    const outcome = await verify(tampered);
    expect(outcome.verdict).toBe('failed');
    expect(outcome.checks.files?.detail).toMatch(
      /^changed since signing: audit-events\//,
    );
    expect(outcome.checks.signature?.status).toBe('pass');
  });

  it('finds a file slipped into the bundle', async () => {
    const extra = join(dir, 'extra.zip');
    await rewriteZip(good, extra, (items) => [
      ...items,
      { name: 'sboms/extra.json', data: Buffer.from('{}') },
    ]);
    const outcome = await verify(extra);
    expect(outcome.checks.coverage?.detail).toBe(
      'present but not listed: sboms/extra.json',
    );
  });

  it('fails on a file that is not a ZIP', async () => {
    const outcome = await verify(join(process.cwd(), 'package.json'));
    expect(outcome.checks.zip).toEqual({
      id: 'zip',
      status: 'fail',
      detail: 'this is not a ZIP file',
    });
    expect(outcome.checks.signature?.status).toBe('skip');
  });
});

describe('derToRaw', () => {
  it('drops the sign byte and pads each integer to the width', () => {
    // r = 0x00 0x80 (positive 0x80), s = 0x01
    const der = Uint8Array.from([
      0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01,
    ]);
    const raw = derToRaw(der, 4);
    expect(Array.from(raw)).toEqual([0, 0, 0, 0x80, 0, 0, 0, 1]);
  });

  it('refuses bytes that are not a DER sequence', () => {
    expect(() => derToRaw(Uint8Array.from([0x31, 0]), 32)).toThrow(
      'the signature is not a DER sequence',
    );
  });
});
