import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTempDir } from '../bundle/builders.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The `sh` block of docs/keys.md that generates a key pair, verbatim. */
async function generateBlock(): Promise<string> {
  const text = await readFile(path.join(REPO, 'docs/keys.md'), 'utf8');
  const blocks = [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)];
  const found = blocks.map((m) => m[1]!).filter((b) => b.includes('generate'));
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('docs/keys.md, generating a key pair word for word', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ dir, cleanup } = await aTempDir());
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    const shim = path.join(bin, 'disclosure-packager');
    const tsx = path.join(REPO, 'node_modules/.bin/tsx');
    const entry = path.join(REPO, 'test/support/cli-entry.ts');
    await writeFile(shim, `#!/bin/sh\nexec "${tsx}" "${entry}" "$@"\n`);
    await chmod(shim, 0o755);
    env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    delete env.COSIGN_PASSWORD;
  });
  afterAll(() => cleanup());

  it('writes the pair into ./keys of a fresh folder, creating it', async () => {
    const fresh = path.join(dir, 'checkout');
    await mkdir(fresh);
    const { stdout } = await run('sh', ['-e', '-c', await generateBlock()], {
      cwd: fresh,
      env,
    });
    expect(stdout).toMatch(/^key id: sha256:[0-9a-f]{64}$/m);
    const keys = path.join(fresh, 'keys');
    expect((await stat(keys)).mode & 0o777).toBe(0o700);
    const key = path.join(keys, 'cosign.key');
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect(await readFile(key, 'utf8')).toContain(
      'BEGIN ENCRYPTED SIGSTORE PRIVATE KEY',
    );
    expect(await readFile(path.join(keys, 'cosign.pub'), 'utf8')).toContain(
      'BEGIN PUBLIC KEY',
    );
  });
});
