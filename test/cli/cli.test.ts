import {
  appendFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aKubernetesEventLine } from '../support/builders.js';
import { runCli } from '../support/cli.js';
import { dropSchemas, uniqueSchema } from '../support/db.js';
import { readZipEntries } from '../support/zip.js';

describe('the command line', () => {
  let work: string;
  const schema = uniqueSchema('cli');

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dp-cli-'));
    process.env.DP_DATA_DIR = path.join(work, 'data');
    process.env.DP_DATABASE_SCHEMA = schema;
    await runCli('tenants', 'add', 'acme', '--name', 'Acme');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await dropSchemas(schema);
  });

  const exportArgs = (...extra: string[]) => [
    'export',
    '--tenant',
    'acme',
    '--from',
    '2026-01-01T00:00:00Z',
    '--to',
    '2026-02-01T00:00:00Z',
    '--out',
    path.join(work, 'out.zip'),
    '--no-progress',
    ...extra,
  ];

  describe('when given bad input', () => {
    const cases: [string, string[], RegExp][] = [
      [
        'a malformed date',
        [
          'export',
          '--tenant',
          'acme',
          '--from',
          'yesterday',
          '--to',
          '2026-02-01T00:00:00Z',
          '--out',
          'x.zip',
        ],
        /from must be an RFC 3339 date-time/,
      ],
      [
        'an inverted window',
        [
          'export',
          '--tenant',
          'acme',
          '--from',
          '2026-02-01T00:00:00Z',
          '--to',
          '2026-01-01T00:00:00Z',
          '--out',
          'x.zip',
        ],
        /must be after its start/,
      ],
      [
        'an unknown kind',
        [
          'export',
          '--tenant',
          'acme',
          '--from',
          '2026-01-01T00:00:00Z',
          '--to',
          '2026-02-01T00:00:00Z',
          '--out',
          'x.zip',
          '--artifacts',
          'sboms,secrets',
        ],
        /unknown artifact kind secrets/,
      ],
      [
        'an unknown tenant',
        ['ingest', '--tenant', 'nobody', '/tmp'],
        /no tenant "nobody"/,
      ],
      [
        'a bad tenant id',
        ['tenants', 'add', 'Not OK', '--name', 'x'],
        /must be 1-63 lowercase/,
      ],
      [
        'a tenant id ending in a dash',
        ['tenants', 'add', 'x-', '--name', 'x'],
        /single dashes, starting and ending with a letter or digit/,
      ],
      [
        'a tenant id with a doubled dash',
        ['tenants', 'add', 'a--b', '--name', 'x'],
        /single dashes/,
      ],
      [
        'a tenant name with an invisible character',
        ['tenants', 'add', 'zw', '--name', 'Ac\u200bme'],
        /invisible/,
      ],
      [
        'a tenant name with a control or bidi-override character',
        ['tenants', 'add', 'uni', '--name', '\u00dcn\u00ef\u202e\u0001'],
        /--name must be at most 200 characters, with no control/,
      ],
      [
        'a window bound finer than a millisecond',
        [
          'export', '--tenant', 'acme', '--out', '/tmp/never.zip',
          '--from', '2026-01-01T00:00:00.0000001Z',
          '--to', '2026-02-01T00:00:00Z',
        ],
        /from is precise to the millisecond at most/,
      ], // prettier-ignore
      [
        'an unreadable key file',
        ['verify', 'x.zip', '--key', '/nonexistent/nope.pub'],
        /cannot read the key file/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(`refuses ${what} with one plain line and exit 1`, async () => {
        const result = await runCli(...args);
        expect(result.code).toBe(1);
        expect(result.err).toMatch(message);
        expect(result.err).not.toMatch(/\n\s+at /);
      });
    }

    it('refuses to overwrite an existing file without --force', async () => {
      const out = path.join(work, 'exists.zip');
      await writeFile(out, 'keep me');
      const args = exportArgs().map((a) => (a.endsWith('out.zip') ? out : a));
      const result = await runCli(...args);
      expect(result.code).toBe(1);
      expect(result.err).toContain('pass --force to replace it');
      expect(await readFile(out, 'utf8')).toBe('keep me');
    });

    it('treats the signature beside the bundle as the bundle: kept without --force, never written through a folder', async () => {
      const out = path.join(work, 'signed.zip');
      await writeFile(`${out}.sig`, 'precious');
      const args = exportArgs().map((a) => (a.endsWith('out.zip') ? out : a));
      const kept = await runCli(...args);
      expect(kept.code).toBe(1);
      expect(kept.err).toContain(`cannot write "${out}.sig": it exists`);
      expect(await readFile(`${out}.sig`, 'utf8')).toBe('precious');

      await rm(`${out}.sig`);
      await mkdir(`${out}.sig`);
      const folder = await runCli(...args, '--force');
      expect(folder.code).toBe(1);
      expect(folder.err).toContain('not a regular file');
      expect(await readdir(work)).not.toContain('signed.zip');

      await rm(`${out}.sig`, { recursive: true });
      await writeFile(`${out}.sig`, 'old');
      const replaced = await runCli(...args, '--force');
      expect(replaced.code).toBe(0);
      expect(await readFile(`${out}.sig`, 'utf8')).not.toBe('old');
      const names = await readdir(work);
      expect(names.filter((n) => n.includes('.partial-'))).toEqual([]);
    });

    it('refuses an output that is not a regular file, even with --force', async () => {
      const args = exportArgs('--force').map((a) =>
        a.endsWith('out.zip') ? '/dev/null' : a,
      );
      const result = await runCli(...args);
      expect(result.code).toBe(1);
      expect(result.err).toContain('not a regular file');
    });

    it('refuses an output folder that does not exist before doing any work', async () => {
      const args = exportArgs().map((a) =>
        a.endsWith('out.zip') ? '/no/such/dir/x.zip' : a,
      );
      const result = await runCli(...args);
      expect(result.code).toBe(1);
      expect(result.err).toContain('does not exist');
    });

    it('refuses a missing required option with a usage error', async () => {
      const result = await runCli('export', '--tenant', 'acme');
      expect(result.code).toBe(1);
      expect(result.err).toContain("required option '--from <time>'");
    });

    it('answers verify of a file that is not a ZIP with exit 4', async () => {
      const file = path.join(work, 'not.zip');
      await writeFile(file, 'hello');
      const result = await runCli('verify', file);
      expect(result.code).toBe(4);
    });

    it('answers verify of a missing file with a usage error, exit 1', async () => {
      const result = await runCli('verify', path.join(work, 'missing.zip'));
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/no such file/);
    });
  });

  it('keeps what it writes from other local users', async () => {
    const dataDir = path.join(work, 'private');
    const databaseUrl = process.env.DATABASE_URL;
    process.env.DP_DATA_DIR = dataDir;
    delete process.env.DATABASE_URL;
    try {
      await runCli('tenants', 'add', 'acme', '--name', 'Acme');
      const entries = await readdir(dataDir, { recursive: true });
      expect(entries).toContain(path.join('pglite', 'PG_VERSION'));
      // PGlite sets its own files to 0666; its folders, like everything
      // else here, are closed, which is what keeps others out.
      const open: string[] = [];
      for (const entry of ['.', ...entries]) {
        const info = await stat(path.join(dataDir, entry));
        const inDatabase = entry.startsWith(`pglite${path.sep}`);
        if (info.mode & 0o077 && (info.isDirectory() || !inDatabase)) {
          open.push(`${entry} ${(info.mode & 0o777).toString(8)}`);
        }
      }
      expect(open).toEqual([]);
    } finally {
      process.env.DP_DATA_DIR = path.join(work, 'data');
      if (databaseUrl !== undefined) process.env.DATABASE_URL = databaseUrl;
    }
  });

  it('exits 2 when some lines of a file could not be ingested', async () => {
    const file = path.join(work, 'some-bad.jsonl');
    const event = (id: string) =>
      aKubernetesEventLine({
        auditID: id,
        requestReceivedTimestamp: '2025-06-01T00:00:00Z',
      });
    await writeFile(file, `${event('a')}\n{broken\n${event('b')}\n`);
    const result = await runCli('ingest', '--tenant', 'acme', file);
    expect(result.out).toContain('(1 in part)');
    expect(result.out).toContain('line 2');
    expect(result.code).toBe(2);
  });

  it('warns when a known event id comes back with other content', async () => {
    const file = path.join(work, 'changed.jsonl');
    const event = (verb: string) =>
      aKubernetesEventLine({
        auditID: 'same-id',
        verb,
        requestReceivedTimestamp: '2025-06-02T00:00:00Z',
      });
    await writeFile(file, `${event('get')}\n${event('get')}\n`);
    await runCli('ingest', '--tenant', 'acme', file);
    await writeFile(file, `${event('delete')}\n${event('delete')}\n`);
    const result = await runCli('ingest', '--tenant', 'acme', file);
    expect(result.out).toContain(
      'different content; the stored ones were kept',
    );
  });

  it('exports an empty window to a bundle that verifies, naming what is missing', async () => {
    const result = await runCli(...exportArgs());
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      'empty: audit-events (no audit-events in the window)',
    );
    const verified = await runCli(
      'verify',
      path.join(work, 'out.zip'),
      '--json',
    );
    const report = JSON.parse(verified.out) as {
      ok: boolean;
      keySource: string;
    };
    expect(report.ok).toBe(true);
    expect(report.keySource).toBe('bundle');
    expect(verified.code).toBe(0);
  });

  it('fails an export whose stored evidence was altered, leaving no file', async () => {
    const sbom = path.join(work, 'tiny.cdx.json');
    await writeFile(sbom, JSON.stringify(aCycloneDx('2026-01-10T00:00:00Z')));
    expect((await runCli('ingest', '--tenant', 'acme', sbom)).code).toBe(0);
    const objects = path.join(
      process.env.DP_DATA_DIR as string,
      'objects',
      'evidence',
      'acme',
    );
    const [stored] = await readdir(objects);
    await appendFile(path.join(objects, stored as string), ' ');

    const out = path.join(work, 'altered.zip');
    const result = await runCli(
      ...exportArgs('--artifacts', 'sboms').map((a) =>
        a.endsWith('out.zip') ? out : a,
      ),
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain('no longer matches its SHA-512');
    expect(
      (await readdir(work)).filter((f) => f.startsWith('altered')),
    ).toEqual([]);
  });

  describe('when the redaction policy lets an e-mail address through', () => {
    const julyExport = (out: string) =>
      exportArgs('--artifacts', 'audit-events').map((a) =>
        a.endsWith('out.zip')
          ? out
          : a
              .replace('2026-01-01', '2025-07-01')
              .replace('2026-02-01', '2025-08-01'),
      );

    beforeAll(async () => {
      const file = path.join(work, 'with-email.jsonl');
      const line = aKubernetesEventLine({
        auditID: 'mail-1',
        user: { username: 'dana@example.com' },
        requestReceivedTimestamp: '2025-07-02T00:00:00Z',
      });
      await writeFile(file, `${line}\n`);
      expect((await runCli('ingest', '--tenant', 'acme', file)).code).toBe(0);
    });

    it('exports with the default policy, the address masked', async () => {
      const out = path.join(work, 'masked.zip');
      const result = await runCli(...julyExport(out));
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      const bytes = await readFile(out);
      expect(bytes.includes('dana@example.com')).toBe(false);
    });

    it('fails the export on the DLP scan and leaves no file', async () => {
      const policies = path.join(work, 'policies.json');
      await writeFile(
        policies,
        JSON.stringify({
          tenants: {
            acme: {
              name: 'no-email',
              detectors: { ipv4: 'mask' },
              dlp: { detectors: ['email', 'ipv4'] },
            },
          },
        }),
      );
      process.env.DP_REDACTION_POLICY_FILE = policies;
      try {
        const out = path.join(work, 'leaky.zip');
        const result = await runCli(...julyExport(out));
        expect(result.code).toBe(1);
        // Once in the record, once in the line's actor field.
        expect(result.err).toMatch(
          /DLP scan found 2 email in audit-events\/audit-events\.jsonl that policy no-email/,
        );
        expect(result.err).not.toContain('dana@example.com');
        expect(
          (await readdir(work)).filter((f) => f.startsWith('leaky')),
        ).toEqual([]);
      } finally {
        delete process.env.DP_REDACTION_POLICY_FILE;
      }
    });
  });

  describe('when a file is ingested with a jurisdiction tag', () => {
    it('carries the jurisdiction in the manifest', async () => {
      expect(
        (await runCli('tenants', 'add', 'eu-co', '--name', 'EU Co')).code,
      ).toBe(0);
      const file = path.join(work, 'tagged.cdx.json');
      await writeFile(file, JSON.stringify(aCycloneDx('2026-01-05T00:00:00Z')));
      const ingest = await runCli(
        'ingest', '--tenant', 'eu-co', '--tag', 'jurisdiction:FR',
        '--tag', 'team:payments', file,
      ); // prettier-ignore
      expect(ingest.code).toBe(0);
      const out = path.join(work, 'eu-co.zip');
      const result = await runCli(
        'export', '--tenant', 'eu-co', '--out', out, '--no-progress',
        '--from', '2026-01-01T00:00:00Z', '--to', '2026-02-01T00:00:00Z',
      ); // prettier-ignore
      expect(result.code).toBe(0);
      const manifest = JSON.parse(
        (await readZipEntries(out)).get('manifest.json')?.toString() ?? '',
      ) as { files: { kind: string; metadata: { tags?: string[] } }[] };
      expect(manifest.files.find((f) => f.kind === 'sboms')).toMatchObject({
        jurisdictions: ['FR'],
        eventTimeRule: 'metadata.timestamp',
        counts: { component: 1 },
        metadata: { tags: ['jurisdiction:FR', 'team:payments'] },
      });
    });
  });
});

/** The smallest CycloneDX 1.6 JSON SBOM that states when it was made. */
function aCycloneDx(timestamp: string): object {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    metadata: { timestamp },
    components: [{ type: 'library', name: 'left-pad', version: '1.3.0' }],
  };
}
