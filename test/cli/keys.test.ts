import { readFile, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_NAMES } from '../../src/bundle/index.js';
import { runCli } from '../support/cli.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusMissingIsFatal,
} from '../support/corpus.js';
import { dropSchemas, uniqueSchema } from '../support/db.js';

const WINDOW = ['2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'] as const;

/** Exports tenant acme's window to a file; the export must succeed. */
async function exportTo(out: string) {
  const result = await runCli(
    'export',
    '--tenant',
    'acme',
    '--from',
    WINDOW[0],
    '--to',
    WINDOW[1],
    '--out',
    out,
    '--no-progress',
  );
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  return out;
}

describe('the keys and verify commands', () => {
  let work: string;
  const schema = uniqueSchema('clikeys');
  const file = (name: string) => path.join(work, name);

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dp-cli-keys-'));
    process.env.DP_DATA_DIR = file('data');
    process.env.DP_DATABASE_SCHEMA = schema;
    process.env.COSIGN_PASSWORD = 'operator password';
    await runCli('tenants', 'add', 'acme', '--name', 'Acme');
  });
  afterAll(async () => {
    delete process.env.COSIGN_PASSWORD;
    await rm(work, { recursive: true, force: true });
    await dropSchemas(schema);
  });

  async function trustFile(name: string) {
    const listed = await runCli('keys', 'list', '--json');
    expect(listed.code).toBe(0);
    await writeFile(file(name), listed.out);
    return file(name);
  }

  async function verifyJson(...args: string[]) {
    const result = await runCli('verify', ...args, '--json');
    const report = JSON.parse(result.out) as {
      ok: boolean;
      keyId: string;
      checks: { name: string; status: string }[];
    };
    return { code: result.code, report };
  }

  const keyIdIn = (text: string) => /sha256:[0-9a-f]{64}/.exec(text)?.[0];

  let generatedId: string;
  let first: string;

  it('generates a cosign key pair, encrypted with COSIGN_PASSWORD', async () => {
    const result = await runCli('keys', 'generate', '--out-dir', work);
    expect(result.code).toBe(0);
    generatedId = keyIdIn(result.out) as string;
    const key = await readFile(file('cosign.key'), 'utf8');
    expect(key).toContain('BEGIN ENCRYPTED SIGSTORE PRIVATE KEY');
    expect((await stat(file('cosign.key'))).mode & 0o777).toBe(0o600);
    const again = await runCli('keys', 'generate', '--out-dir', work);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^error: cannot write .*cosign\.key/);
  });

  it('imports it as the active key, retiring the embedded one', async () => {
    const result = await runCli('keys', 'import', file('cosign.key'));
    expect(result.out).toMatch(
      new RegExp(
        `^${generatedId} is now active; sha256:[0-9a-f]{64} is retired`,
      ),
    );
    const list = await runCli('keys', 'list');
    expect(list.out).toContain(`${generatedId}\tactive\tecdsa-p256-sha256`);
    expect(list.out).toMatch(/\tretired\tecdsa-p256-sha256\t.*\tembedded/);
  });

  it('exports a bundle whose report names every check, all passed', async () => {
    first = await exportTo(file('first.zip'));
    const trust = await trustFile('trust.json');
    const { code, report } = await verifyJson(
      first,
      '--trusted-keys',
      trust,
      '--tenant',
      'acme',
      '--window',
      WINDOW.join('/'),
      '--zip-signature',
      `${first}.sig`,
    );
    expect(report.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
    const notPassed = report.checks.filter((c) => c.status !== 'passed');
    expect(notPassed).toEqual([]);
    expect(report.keyId).toBe(generatedId);
    expect(code).toBe(0);
  });

  it('fails another tenant or window with exit 5', async () => {
    const trust = file('trust.json');
    const { code, report } = await verifyJson(
      first,
      '--trusted-keys',
      trust,
      '--tenant',
      'globex',
    );
    expect(code).toBe(5);
    expect(report.checks.find((c) => c.name === 'tenant')?.status).toBe(
      'failed',
    );
  });

  it('fails a ZIP signature that belongs to another file', async () => {
    await writeFile(file('other.zip'), 'not the bundle');
    const { code, report } = await verifyJson(
      file('other.zip'),
      '--key',
      file('cosign.pub'),
    );
    expect(code).toBe(4);
    expect(report.ok).toBe(false);
    const tampered = await verifyJson(
      first,
      '--key',
      file('cosign.pub'),
      '--zip-signature',
      file('trust.json'),
    );
    expect(tampered.code).toBe(3);
    expect(
      tampered.report.checks.find((c) => c.name === 'zip-signature')?.status,
    ).toBe('failed');
  });

  it('rotates, then revokes the retired key: its bundle fails', async () => {
    const rotated = await runCli('keys', 'rotate');
    expect(rotated.out).toContain(`${generatedId} is retired`);
    const revoked = await runCli(
      'keys',
      'revoke',
      generatedId.slice(7, 19),
      '--reason',
      'key file leaked',
    );
    expect(revoked.out).toMatch(new RegExp(`^${generatedId} is revoked as of`));
    const trust = await trustFile('trust-revoked.json');
    const text = await runCli('verify', first, '--trusted-keys', trust);
    expect(text.code).toBe(3);
    expect(text.out).toContain('FAIL key-status');
    expect(text.out).toContain('key file leaked');
    const allowed = await runCli(
      'verify',
      first,
      '--trusted-keys',
      trust,
      '--allow-revoked',
      generatedId,
    );
    expect(allowed.code).toBe(0);
  });

  it('verifies a bundle of the new key through the chain from the old one', async () => {
    const second = await exportTo(file('second.zip'));
    const { code } = await verifyJson(
      second,
      '--key',
      file('cosign.pub'),
      '--trusted-keys',
      await trustFile('trust-now.json'),
    );
    expect(code).toBe(0);
  });

  describe('when given bad input', () => {
    const cases: [string, () => string[], RegExp][] = [
      [
        'an unknown key id',
        () => ['keys', 'revoke', 'deadbeef00', '--reason', 'x'],
        /no signing key deadbeef00/,
      ],
      [
        'the active key to revoke',
        () => ['keys', 'retire', activeId],
        /is the active key/,
      ],
      [
        'a trust file that is not one',
        () => ['verify', first, '--trusted-keys', file('cosign.pub')],
        /not a signing key list/,
      ],
      [
        'a malformed window',
        () => ['verify', first, '--window', 'last week'],
        /--window must be FROM\/TO/,
      ],
      [
        'a missing key file',
        () => ['keys', 'import', file('absent.key')],
        /cannot read the key file/,
      ],
      [
        'an import as retired without a window',
        () => ['keys', 'import', file('cosign.key'), '--retired'],
        /--retired needs --valid-from/,
      ],
    ];
    let activeId = '';
    beforeAll(async () => {
      const list = await runCli('keys', 'list');
      activeId = /^(sha256:\S+)\tactive/m.exec(list.out)?.[1] ?? '';
    });

    it.each(cases)(
      'refuses %s with a plain message',
      async (_name, args, message) => {
        const result = await runCli(...args());
        expect(result.code).toBe(1);
        expect(result.err).toMatch(message);
        expect(result.err).not.toMatch(/\n\s+at /);
      },
    );
  });
});

corpusMissingIsFatal();

describe.skipIf(!CORPUS_PRESENT)('the published cosign test keys', () => {
  let work: string;
  const schema = uniqueSchema('clicorpus');
  const keys: [string, string, boolean][] = [
    ['sigstore-rs_ecdsa_encrypted_private.key', '123', true],
    ['sigstore-rs_rsa_encrypted_private.key', '123', true],
    ['sigstore-rs_ed25519_encrypted_private.key', '123', false],
    ['sigstore-rs_cosign-generated_encrypted_empty-password.key', '', true],
  ];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dp-cli-corpus-'));
    process.env.DP_DATA_DIR = path.join(work, 'data');
    process.env.DP_DATABASE_SCHEMA = schema;
    await runCli('tenants', 'add', 'acme', '--name', 'Acme');
  });
  afterAll(async () => {
    delete process.env.COSIGN_PASSWORD;
    await rm(work, { recursive: true, force: true });
    await dropSchemas(schema);
  });

  it.each(keys)(
    '%s imports, signs a bundle, and the bundle verifies',
    async (name, password, zipSigned) => {
      process.env.COSIGN_PASSWORD = password;
      const imported = await runCli(
        'keys',
        'import',
        path.join(CORPUS_DIR, 'signatures', name),
      );
      expect(imported.err).toBe('');
      expect(imported.code).toBe(0);
      const out = path.join(work, `${name}.zip`);
      await exportTo(out);
      const list = await runCli('keys', 'list', '--json');
      await writeFile(path.join(work, 'trust.json'), list.out);
      const args = [
        'verify',
        out,
        '--trusted-keys',
        path.join(work, 'trust.json'),
      ];
      if (zipSigned) args.push('--zip-signature', `${out}.sig`);
      const verified = await runCli(...args);
      expect(verified.out).toMatch(/^VERIFIED/);
      expect(verified.code).toBe(0);
      const signed = await stat(`${out}.sig`).then(
        () => true,
        () => false,
      );
      expect(signed).toBe(zipSigned);
    },
  );
});
