import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagsFromConfig } from '../../src/flags/index.js';
import { loadConfig } from '../../src/config/index.js';

describe('feature flags', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dp-flags-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function aFlagsFile(content: unknown): Promise<string> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(content));
    return file;
  }

  it('turns both flags on when nothing says otherwise', async () => {
    const flags = flagsFromConfig({ flags: '' });
    expect(await flags.isEnabled('disclosurePackager.ui', 'acme')).toBe(true);
    expect(await flags.isEnabled('disclosurePackager.api', 'acme')).toBe(true);
  });

  it("gives a targeted tenant its own value and the rest the file's default", async () => {
    const flagsFile = await aFlagsFile({
      flags: {
        'disclosurePackager.ui': { default: false, tenants: { acme: true } },
      },
    });
    const flags = flagsFromConfig({ flagsFile, flags: '' });
    expect(await flags.isEnabled('disclosurePackager.ui', 'acme')).toBe(true);
    expect(await flags.isEnabled('disclosurePackager.ui', 'globex')).toBe(
      false,
    );
  });

  it('lays DP_FLAGS over the file, tenant by tenant', async () => {
    const flagsFile = await aFlagsFile({
      flags: {
        'disclosurePackager.api': { default: true, tenants: { acme: false } },
      },
    });
    const flags = flagsFromConfig({
      flagsFile,
      flags: 'disclosurePackager.api@acme=on,disclosurePackager.api=off',
    });
    expect(await flags.isEnabled('disclosurePackager.api', 'acme')).toBe(true);
    expect(await flags.isEnabled('disclosurePackager.api', 'initech')).toBe(
      false,
    );
  });

  it('keeps the rules of two servers in one process apart', async () => {
    const off = flagsFromConfig({ flags: 'disclosurePackager.ui=off' });
    const on = flagsFromConfig({ flags: '' });
    expect(await off.isEnabled('disclosurePackager.ui', 'acme')).toBe(false);
    expect(await on.isEnabled('disclosurePackager.ui', 'acme')).toBe(true);
  });

  it('refuses a flags file naming an unknown flag', async () => {
    const flagsFile = await aFlagsFile({
      flags: { 'disclosurePackager.everything': { default: true } },
    });
    expect(() => flagsFromConfig({ flagsFile, flags: '' })).toThrow(
      /is not a flags file:\n {2}flags: Unrecognized key: "disclosurePackager\.everything"$/,
    );
  });

  it('refuses a flags file that is not JSON', async () => {
    const flagsFile = path.join(dir, 'broken.json');
    await writeFile(flagsFile, '{ flags: ');
    expect(() => flagsFromConfig({ flagsFile, flags: '' })).toThrow(
      /^cannot read .*broken\.json: /,
    );
  });

  it('refuses a DP_FLAGS entry it cannot read', () => {
    expect(() =>
      flagsFromConfig({ flags: 'disclosurePackager.ui=maybe' }),
    ).toThrow(
      'DP_FLAGS entry "disclosurePackager.ui=maybe" is not flag=on|off or ' +
        'flag@tenant=on|off with a flag among disclosurePackager.ui, ' +
        'disclosurePackager.api',
    );
  });

  it('reads DP_FLAGS_FILE and DP_FLAGS into the configuration', () => {
    const config = loadConfig(
      {},
      {
        DP_FLAGS_FILE: '/etc/dp/flags.json',
        DP_FLAGS: 'disclosurePackager.ui=off',
      },
    );
    expect(config.flagsFile).toBe('/etc/dp/flags.json');
    expect(config.flags).toBe('disclosurePackager.ui=off');
  });
});
