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

  it('creates a missing --out-dir, like mkdir -p, for the owner only', async () => {
    const out = file('new/nested/keys');
    const result = await runCli('keys', 'generate', '--out-dir', out);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect((await stat(path.join(out, 'cosign.key'))).isFile()).toBe(true);
    expect((await stat(path.join(out, 'cosign.pub'))).isFile()).toBe(true);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
  });

  it('asks generate for a password to choose, not an existing one', async () => {
    delete process.env.COSIGN_PASSWORD;
    try {
      const out = file('no-password');
      const result = await runCli('keys', 'generate', '--out-dir', out);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(
        /^error: the new key is encrypted with a password you choose: set COSIGN_PASSWORD to it/,
      );
      await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      process.env.COSIGN_PASSWORD = 'operator password';
    }
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

  let second: string;

  it('verifies a bundle of the new key through the chain from the old one', async () => {
    const rotated = await runCli('keys', 'rotate');
    expect(rotated.out).toContain(`${generatedId} is retired`);
    second = await exportTo(file('second.zip'));
    const { code } = await verifyJson(
      second,
      '--key',
      file('cosign.pub'),
      '--trusted-keys',
      await trustFile('trust-now.json'),
    );
    expect(code).toBe(0);
  });

  it('revokes the retired key: its bundle fails', async () => {
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

  it('stops the chain from the old key once it is revoked', async () => {
    const { code, report } = await verifyJson(
      second,
      '--key',
      file('cosign.pub'),
      '--trusted-keys',
      file('trust-revoked.json'),
    );
    expect(code).toBe(3);
    expect(report.checks.find((c) => c.name === 'rotation-chain')).toEqual(
      expect.objectContaining({ status: 'failed' }),
    );
  });

  it('says a key is already revoked, and keeps its first reason', async () => {
    const again = await runCli(
      'keys',
      'revoke',
      generatedId,
      '--reason',
      'key file leaked',
    );
    expect(again.code).toBe(0);
    expect(again.out).toMatch(
      new RegExp(`^${generatedId} was already revoked on .*nothing changed`),
    );
    const other = await runCli(
      'keys',
      'revoke',
      generatedId,
      '--reason',
      'a different story',
    );
    expect(other.code).toBe(1);
    expect(other.err).toMatch(
      /is already revoked, since .* for "key file leaked"; revocation is final/,
    );
    const listed = await runCli('keys', 'list', '--json');
    expect(listed.out).toContain('"revocationReason": "key file leaked"');
    expect(listed.out).not.toContain('a different story');
  });

  it('does not tell a caller whose key list trusts no key to pass one', async () => {
    const empty = JSON.parse(
      await readFile(file('trust-now.json'), 'utf8'),
    ) as { keys: unknown[]; rotations: unknown[] };
    empty.keys = [];
    empty.rotations = [];
    await writeFile(file('trust-empty.json'), JSON.stringify(empty));
    const result = await runCli(
      'verify',
      first,
      '--trusted-keys',
      file('trust-empty.json'),
    );
    expect(result.code).toBe(3);
    expect(result.out).toContain('FAIL key-trusted');
    expect(result.out).toContain('it is not one of the trusted keys');
    expect(result.out).not.toContain('again with --key or --trusted-keys');
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
        'a key file that is a device',
        () => ['keys', 'import', '/dev/zero'],
        /^error: cannot read the key file \/dev\/zero: it is not a regular file\n$/,
      ],
      [
        'a key file far larger than any key',
        () => ['keys', 'import', file('huge.key')],
        /cannot read the key file .*huge\.key: it is larger than 64 KiB/,
      ],
      [
        'a private key given to verify as --key',
        () => ['verify', first, '--key', file('cosign.key')],
        /the key file .*cosign\.key holds a private key/,
      ],
      [
        'a text file given to verify as --key',
        () => ['verify', first, '--key', file('trust.json')],
        /the key file .*trust\.json is not a PEM public key/,
      ],
      [
        'a bundle that does not exist',
        () => ['verify', file('nope.zip')],
        /^error: no such file: .*nope\.zip\n$/,
      ],
      [
        'a folder as the bundle',
        () => ['verify', work],
        /is a folder; give the bundle ZIP/,
      ],
      [
        'an --allow-revoked that is not a key id',
        () => [
          'verify',
          first,
          '--trusted-keys',
          file('trust.json'),
          '--allow-revoked',
          'nonsense',
        ],
        /--allow-revoked nonsense is not a key id/,
      ],
      [
        'an --allow-revoked without a key list',
        () => ['verify', first, '--allow-revoked', generatedId],
        /--allow-revoked needs --trusted-keys/,
      ],
      [
        'a signature file that is a device',
        () => ['verify', first, '--zip-signature', '/dev/zero'],
        /cannot read the signature file \/dev\/zero: it is larger than 64 KiB/,
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
      await writeFile(file('huge.key'), 'A'.repeat(200 * 1024));
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
