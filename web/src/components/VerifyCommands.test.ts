import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Job } from '../api/types';
import { commandsFor } from './VerifyCommands';

const ORIGIN = 'http://127.0.0.1:8080';
const JOB_ID = '0b7d7c1e-3f7a-4c1e-9a59-2f4a3c9d8e11';

/** A completed job whose bundle carries a signed link, as an exporter sees it. */
function completedJob(): Job {
  const signed = `/jobs/${JOB_ID}/bundle?tenant=acme&expires=1780000000&sig=abc`;
  return {
    jobId: JOB_ID,
    tenantId: 'acme',
    dateRange: {
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
    },
    bundle: {
      size: 1234,
      sha512: 'ab'.repeat(64),
      keyId: `sha256:${'cd'.repeat(32)}`,
      downloadUrl: signed,
      signatureUrl: `${signed}.sig`,
    },
  } as Job;
}

function lineOf(text: string, start: string): string {
  const line = text.split('\n').find((l) => l.startsWith(start));
  if (!line) throw new Error(`no line starts with ${start}`);
  return line;
}

/** The arguments bash passes to `command` when it runs the line. */
function argsInBash(line: string, command: string): string[] {
  const script = `${command}() { printf '%s\\n' "$@"; }; ${line}`;
  const out = execFileSync('bash', ['--norc', '-c', script], {
    encoding: 'utf8',
    env: { DP_TOKEN: 't0ken', DP_CHECKOUT: '/opt/dp' },
  });
  return out.trimEnd().split('\n');
}

describe('commandsFor', () => {
  const text = commandsFor(completedJob(), ORIGIN);

  describe('the download', () => {
    const curl = lineOf(text, 'curl -fsS -H');

    it('takes the token route, never the expiring signed link', () => {
      expect(text).not.toMatch(/sig=|expires=/);
      expect(argsInBash(curl, 'curl').at(-1)).toBe(
        `${ORIGIN}/jobs/${JOB_ID}/bundle`,
      );
    });

    it('single-quotes the URL', () => {
      expect(curl).toContain(` '${ORIGIN}/jobs/${JOB_ID}/bundle'`);
    });

    it('sends the token from the environment, never written in', () => {
      expect(argsInBash(curl, 'curl')).toContain('Authorization: Bearer t0ken');
    });

    it('tells a token without the exporter role that it needs one', () => {
      const viewer = commandsFor(completedJob(), ORIGIN, false);
      expect(viewer).toContain('with a token that holds the exporter role');
      expect(viewer).not.toContain('Download button');
    });
  });

  it('unzips without asking, so the block can be pasted twice', () => {
    expect(lineOf(text, 'unzip ')).toMatch(
      /^unzip -o -q bundle\.zip -d bundle /,
    );
  });

  describe('the packager', () => {
    it('fetches the key list from a quoted URL beside bundle.zip', () => {
      const keys = lineOf(text, 'cd .. && curl');
      expect(keys).toContain(` '${ORIGIN}/signing-keys'`);
    });

    it('runs verify through npx from a checkout, not from the PATH', () => {
      const npx = lineOf(text, 'npx ');
      expect(argsInBash(npx, 'npx')).toEqual([
        '--no',
        '--prefix',
        '/opt/dp',
        'disclosure-packager',
        'verify',
        'bundle.zip',
        '--trusted-keys',
        'signing-keys.json',
        '--tenant',
        'acme',
        '--window',
        '2026-01-01T00:00:00.000Z/2026-02-01T00:00:00.000Z',
      ]);
      expect(text).not.toMatch(/^disclosure-packager /m);
    });

    it('stops before npx when no checkout is named', () => {
      const npx = lineOf(text, 'npx ');
      expect(() =>
        execFileSync('bash', ['--norc', '-c', `npx() { :; }; ${npx}`], {
          env: {},
          stdio: 'pipe',
        }),
      ).toThrow(/DP_CHECKOUT: a checkout of Disclosure Packager/);
    });
  });
});
