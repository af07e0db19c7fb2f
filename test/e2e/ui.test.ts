import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/index.js';
import { parseTrustFile } from '../../src/signing/index.js';
import { rewriteZip } from '../bundle/builders.js';
import type { JobSettings } from '../../src/config/index.js';
import { startTestServer, type TestServer } from '../support/api.js';
import {
  buildWeb,
  CHROMIUM_PRESENT,
  chromiumMissingIsFatal,
  expectNoSeriousA11yViolations,
  launchBrowser,
  screenshot,
} from '../support/browser.js';

chromiumMissingIsFatal();

let browser: Browser;
let webRoot: string;
let work: string;

beforeAll(async () => {
  if (!CHROMIUM_PRESENT) return;
  [browser, webRoot, work] = await Promise.all([
    launchBrowser(),
    buildWeb(),
    mkdtemp(path.join(os.tmpdir(), 'dp-e2e-')),
  ]);
});

afterAll(async () => {
  await browser?.close();
  for (const dir of [webRoot, work]) {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

/** A fresh browser profile in Berlin, so UTC and local times differ. */
async function openPage(api: TestServer): Promise<{
  context: BrowserContext;
  page: Page;
}> {
  const context = await browser.newContext({
    baseURL: api.server.url,
    timezoneId: 'Europe/Berlin',
    viewport: { width: 1200, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return { context, page };
}

/** Signs in by keyboard alone: type the token, press Enter. */
async function signIn(page: Page, token: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('API token').focus();
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
}

/** Starts an export of the last 30 days and waits for its job page. */
async function exportLast30Days(page: Page): Promise<string> {
  await page.getByRole('heading', { name: 'New export' }).waitFor();
  await page.getByLabel('Last 30 days').check();
  await expect
    .poll(() => page.locator('#count-audit-events').textContent())
    .toMatch(/^\d+ items?, /);
  await page.getByRole('button', { name: 'Start export' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/ui\/jobs\/[0-9a-f-]{36}$/);
  return page.url().split('/').at(-1) ?? '';
}

async function statusOf(page: Page): Promise<string | null> {
  return page.locator('#job-summary [data-status]').getAttribute('data-status');
}

async function waitForStatus(page: Page, status: string): Promise<void> {
  await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe(status);
}

describe.skipIf(!CHROMIUM_PRESENT)(
  'the web UI in Chromium',
  { timeout: 120_000 },
  () => {
    let api: TestServer;
    let context: BrowserContext;
    let page: Page;
    let jobId: string;
    let downloaded: string;
    let trustFile: string;
    let closed = false;

    beforeAll(async () => {
      api = await startTestServer({
        webRoot,
        flags: 'disclosurePackager.ui@globex=off',
      });
      ({ context, page } = await openPage(api));
      trustFile = path.join(work, 'signing-keys.json');
      const keys = await api.call('GET', '/signing-keys', { token: null });
      await writeFile(trustFile, keys.bytes);
    });
    afterAll(async () => {
      await context?.close();
      if (!closed) await api?.close();
    });

    it('redirects / to the sign-in page, which keeps the token out of the URL', async () => {
      await page.goto('/');
      expect(new URL(page.url()).pathname).toBe('/ui/');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      const focused = await page.evaluate<{ id: string; outline: string }>(
        `(() => {
        const el = document.activeElement;
        return { id: el.id, outline: getComputedStyle(el).outlineStyle };
      })()`,
      );
      expect(focused).toEqual({ id: 'token', outline: 'solid' });
      await screenshot(page, 'sign-in');
      await expectNoSeriousA11yViolations(page);
    });

    it('refuses a wrong token in plain words', async () => {
      await signIn(page, 'not-a-real-token-at-all');
      await expect
        .poll(() => page.locator('#token-error').textContent())
        .toBe(
          'This token is not valid. Check that you copied all of it, or ask your administrator for a new one.',
        );
    });

    it('signs in and shows who you are, with your role', async () => {
      await signIn(page, api.tokens.acme);
      await page.getByRole('heading', { name: 'New export' }).waitFor();
      expect(await page.getByTestId('whoami').textContent()).toBe(
        'alice@acme · tenant acme · role admin',
      );
      expect(page.url()).not.toContain(api.tokens.acme);
      const stored = await page.evaluate<string[]>(
        'Object.values(sessionStorage)',
      );
      expect(stored).toEqual([api.tokens.acme]);
    });

    it('shows the window in UTC and in Berlin time, with live counts', async () => {
      await page.getByLabel('Last 30 days').check();
      await expect
        .poll(() => page.locator('#count-audit-events').textContent())
        .toMatch(/^\d+ items, \d/);
      await expect
        .poll(() => page.locator('.window-times').textContent())
        .toMatch(/^UTC.* UTC → .* UTCYour time \(Europe\/Berlin\).*CET/);
      expect(await page.getByLabel('Tenant').inputValue()).toBe('acme');
      await screenshot(page, 'new-export');
      await expectNoSeriousA11yViolations(page);

      // At tablet width nothing may overflow the page sideways.
      await page.setViewportSize({ width: 768, height: 1024 });
      expect(
        await page.evaluate<boolean>(
          'document.documentElement.scrollWidth <= innerWidth',
        ),
      ).toBe(true);
      await screenshot(page, 'new-export-tablet');
      await page.setViewportSize({ width: 1200, height: 900 });
    });

    it('refuses an impossible custom window', async () => {
      await page.getByLabel('Custom').check();
      await page.getByLabel('Start (UTC, included)').fill('2026-06-01T00:00');
      await page.getByLabel('End (UTC, not included)').fill('2026-05-01T00:00');
      expect(
        await page.locator('.window-summary [role=alert]').textContent(),
      ).toBe('The end must be after the start.');
      expect(
        await page.getByRole('button', { name: 'Start export' }).isDisabled(),
      ).toBe(true);
    });

    it('refuses a custom window longer than the service allows, before sending it', async () => {
      await page.getByLabel('Start (UTC, included)').fill('2020-01-01T00:00');
      await page.getByLabel('End (UTC, not included)').fill('2026-12-01T00:00');
      expect(
        await page.locator('.window-summary [role=alert]').textContent(),
      ).toBe(
        'The window spans 2526 days; the longest this service allows is 400. ' +
          'Choose a shorter window, or export it in parts.',
      );
      expect(
        await page.getByRole('button', { name: 'Start export' }).isDisabled(),
      ).toBe(true);
    });

    it('says so before the export when the window holds nothing', async () => {
      await page.getByLabel(/^Last year/).check();
      await page
        .getByRole('heading', { name: 'No evidence in this window' })
        .waitFor();
      expect(await page.getByText('nothing in this window').count()).toBe(5);
      await screenshot(page, 'new-export-empty');
    });

    it('exports, shows progress to completion, and the bundle details', async () => {
      jobId = await exportLast30Days(page);
      await waitForStatus(page, 'completed');
      const job = (await api.call('GET', `/jobs/${jobId}`)).json;
      expect(await page.getByTestId('bundle-sha512').textContent()).toBe(
        job.bundle.sha512,
      );
      expect(await page.getByTestId('key-fingerprint').textContent()).toBe(
        job.bundle.keyId,
      );
      await page.getByText('How to verify this bundle').click();
      const commands = await page.locator('.commands').textContent();
      expect(commands).toContain(
        `echo "${job.bundle.sha512}  bundle.zip" | sha512sum -c`,
      );
      expect(commands).toContain(
        `must print ${job.bundle.keyId.replace('sha256:', '')}`,
      );
      expect(commands).not.toContain(api.tokens.acme);
      expect(commands).toContain(
        ` -o bundle.zip '${api.server.url}/jobs/${jobId}/bundle'\n`,
      );
      expect(commands).not.toMatch(/sig=|expires=/);
      expect(commands).toMatch(/^npx --no --prefix .* disclosure-packager /m);
      expect(commands).not.toMatch(/^disclosure-packager /m);
      await screenshot(page, 'job-completed');
      await expectNoSeriousA11yViolations(page);
    });

    it('downloads the bundle, which the CLI verifies', async () => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download bundle' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`disclosure-acme-${jobId}.zip`);
      downloaded = path.join(work, 'bundle.zip');
      await download.saveAs(downloaded);
      const bytes = await readFile(downloaded);
      const shown = await page.getByTestId('bundle-sha512').textContent();
      expect(createHash('sha512').update(bytes).digest('hex')).toBe(shown);
      const report = await verifyBundle(downloaded, {
        trust: parseTrustFile(await readFile(trustFile, 'utf8')),
        expect: { tenant: 'acme' },
      });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    });

    it('downloads the same bundle with the copied curl command', async () => {
      const commands = await page.locator('.commands').textContent();
      const curl = (commands ?? '')
        .split('\n')
        .find((line) => line.startsWith('curl -fsS -H'));
      const dir = await mkdtemp(path.join(work, 'curl-'));
      // Asynchronously: the server answering curl runs in this process.
      await promisify(execFile)('bash', ['--norc', '-c', curl ?? 'false'], {
        cwd: dir,
        env: { PATH: process.env.PATH, DP_TOKEN: api.tokens.acme },
        timeout: 30_000,
      });
      const bytes = await readFile(path.join(dir, 'bundle.zip'));
      expect(bytes).toEqual(await readFile(downloaded));
    });

    it('lists the export in the history, filterable by status', async () => {
      await page.getByRole('link', { name: 'Your exports' }).click();
      await page.getByRole('table').waitFor();
      const rows = page.locator('tbody tr');
      expect(await rows.count()).toBe(1);
      expect(await rows.first().locator('[data-status]').textContent()).toBe(
        'Completed',
      );
      // Every cell stays a table cell, so the actions line up with their row.
      const displays = await page.evaluate<string[]>(
        `[...document.querySelectorAll('tbody td')].map(
          (cell) => getComputedStyle(cell).display,
        )`,
      );
      expect(new Set(displays)).toEqual(new Set(['table-cell']));
      await screenshot(page, 'history');
      await expectNoSeriousA11yViolations(page);
      await page.getByLabel('Show').selectOption('failed');
      await page.getByRole('heading', { name: 'No failed exports' }).waitFor();
      await page.getByLabel('Show').selectOption('');
      await page.getByRole('table').waitFor();
    });

    it('re-downloads a bundle from the history', async () => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download', exact: true }).click(),
      ]);
      const again = path.join(work, 'again.zip');
      await download.saveAs(again);
      expect(await readFile(again)).toEqual(await readFile(downloaded));
    });

    it('verifies the downloaded bundle in the browser, with the key list', async () => {
      await page.getByRole('link', { name: 'Verify a bundle' }).click();
      await page.getByLabel('Bundle ZIP').setInputFiles(downloaded);
      await page
        .getByLabel('Public key or published key list (optional)')
        .setInputFiles(trustFile);
      await page.getByRole('button', { name: 'Verify bundle' }).click();
      const outcome = page.getByTestId('verify-outcome');
      await outcome.waitFor();
      expect(await outcome.getAttribute('data-verdict')).toBe('verified');
      const checks = await page.locator('[data-check]').all();
      const statuses = await Promise.all(
        checks.map((check) => check.getAttribute('data-status')),
      );
      expect(statuses).toEqual(Array(6).fill('pass'));
      await screenshot(page, 'verify-good');
      await expectNoSeriousA11yViolations(page);
    });

    it('finds a tampered bundle out, naming the changed file', async () => {
      const tampered = path.join(work, 'tampered.zip');
      await rewriteZip(downloaded, tampered, (items) =>
        items.map((item) =>
          item.name.startsWith('audit-events/')
            ? {
                ...item,
                data: Buffer.from(item.data.toString().replace('"', "'")),
              }
            : item,
        ),
      );
      await page.getByLabel('Bundle ZIP').setInputFiles(tampered);
      await page.getByRole('button', { name: 'Verify bundle' }).click();
      const outcome = page.getByTestId('verify-outcome');
      await expect
        .poll(() => outcome.getAttribute('data-verdict'))
        .toBe('failed');
      expect(
        await page.locator('[data-check=files] .check-detail').textContent(),
      ).toMatch(/^changed since signing: audit-events\//);
      expect(
        await page
          .locator('[data-check=signature]')
          .getAttribute('data-status'),
      ).toBe('pass');
      await screenshot(page, 'verify-tampered');
    });

    it('offers a viewer no export or download, and says why', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(page, api.tokens.acmeViewer);
      await page.getByRole('heading', { name: 'New export' }).waitFor();
      const start = page.getByRole('button', { name: 'Start export' });
      expect(await start.isDisabled()).toBe(true);
      const note = page.getByTestId('role-note');
      expect(await note.textContent()).toBe(
        'Starting an export needs the exporter role. Your token (viewer) ' +
          'may see jobs and evidence counts, not start exports or download; ' +
          'ask your administrator for a token with the exporter role.',
      );
      expect(await start.getAttribute('aria-describedby')).toBe(
        await note.getAttribute('id'),
      );
      await screenshot(page, 'new-export-viewer');
      await expectNoSeriousA11yViolations(page);

      await page.getByRole('link', { name: 'Your exports' }).click();
      await page.getByRole('table').waitFor();
      expect(await page.getByRole('button', { name: 'Download' }).count()).toBe(
        0,
      );
      expect(await page.getByTestId('role-note').textContent()).toMatch(
        /^Downloading a bundle needs the exporter role\./,
      );
      await expectNoSeriousA11yViolations(page);

      await page.getByRole('link', { name: /^Details/ }).click();
      await waitForStatus(page, 'completed');
      expect(
        await page.getByRole('button', { name: 'Download bundle' }).count(),
      ).toBe(0);
      expect(await page.getByTestId('role-note').textContent()).toMatch(
        /^Downloading a bundle needs the exporter role\./,
      );
      await expectNoSeriousA11yViolations(page);
    });

    it('tells a tenant the UI is not enabled for it', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(page, api.tokens.globex);
      await page
        .getByRole('heading', { name: 'Not enabled for your organisation yet' })
        .waitFor();
      expect(await page.getByRole('status').textContent()).toContain(
        'not yet switched on for tenant globex',
      );
      await screenshot(page, 'not-enabled');
      await expectNoSeriousA11yViolations(page);
    });

    it('refuses a token whose tenant does not exist', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      // A token of a tenant that does not exist speaks for nobody (401).
      await signIn(page, api.tokens.stranger);
      await page.getByText('This token is not valid.').waitFor();
      await expectNoSeriousA11yViolations(page);
    });

    it('explains an unreachable service and offers to try again', async () => {
      await signIn(page, api.tokens.acme);
      await page.getByRole('heading', { name: 'New export' }).waitFor();
      await api.close();
      closed = true;
      await page.getByRole('link', { name: 'Your exports' }).click();
      await page
        .getByRole('heading', { name: 'Could not load your exports' })
        .waitFor();
      expect(await page.getByRole('alert').textContent()).toContain(
        'The Disclosure Packager service could not be reached.',
      );
      await page.getByRole('button', { name: 'Try again' }).waitFor();
      await expectNoSeriousA11yViolations(page);
    });
  },
);

/**
 * A server with these job settings, a page signed in to it, and an export
 * of the last 30 days started there; closed after the test.
 */
function exportingWith(jobs: Partial<JobSettings>) {
  let api: TestServer | undefined;
  let context: BrowserContext | undefined;
  afterAll(async () => {
    await context?.close();
    await api?.close();
  });
  return async (): Promise<Page> => {
    api = await startTestServer({ webRoot, jobs });
    const opened = await openPage(api);
    context = opened.context;
    await signIn(opened.page, api.tokens.acme);
    await exportLast30Days(opened.page);
    return opened.page;
  };
}

describe.skipIf(!CHROMIUM_PRESENT)(
  'a partial export in Chromium',
  { timeout: 120_000 },
  () => {
    const start = exportingWith({
      failpoints: 'fetch.policy-reports=fail',
      sourceRetries: 0,
    });

    it('warns which kinds were omitted, and why', async () => {
      const page = await start();
      await waitForStatus(page, 'partial');
      const warning = page.getByRole('alert').filter({
        hasText: 'Partial bundle: some evidence is missing',
      });
      expect(await warning.locator('li').allTextContents()).toEqual([
        expect.stringMatching(/^Policy reports: .+/),
      ]);
      await page.getByRole('button', { name: 'Download bundle' }).waitFor();
      await screenshot(page, 'job-partial');
      await expectNoSeriousA11yViolations(page);
    });
  },
);

describe.skipIf(!CHROMIUM_PRESENT)(
  'a failed export in Chromium',
  { timeout: 120_000 },
  () => {
    const start = exportingWith({
      bundleMaxBytes: 2000,
      bundleWarnBytes: 1000,
    });

    it('says in plain words what failed and what to do next', async () => {
      const page = await start();
      await waitForStatus(page, 'failed');
      const alert = page
        .getByRole('alert')
        .filter({ hasText: 'Export failed' });
      expect(await alert.textContent()).toContain(
        'The bundle grew past the largest size this service allows.',
      );
      expect(await alert.textContent()).toContain(
        'What to do next: Export a shorter window',
      );
      await alert.getByRole('button', { name: 'Try again' }).waitFor();
      expect(
        await page.getByRole('button', { name: 'Download bundle' }).count(),
      ).toBe(0);
      await screenshot(page, 'job-failed');
      await expectNoSeriousA11yViolations(page);
    });
  },
);

describe.skipIf(!CHROMIUM_PRESENT)(
  'cancelling an export in Chromium',
  { timeout: 120_000 },
  () => {
    const start = exportingWith({ failpoints: 'assemble=pause' });

    it('shows the running export live, and cancels it', async () => {
      const page = await start();
      await waitForStatus(page, 'running');
      await page
        .getByText('Writing the manifest, signing and storing the bundle…')
        .waitFor();
      expect(await page.getByLabel(/ of \d+ items, /).count()).toBe(1);
      await page.getByRole('button', { name: 'Cancel export' }).click();
      await waitForStatus(page, 'cancelled');
      const alert = page
        .getByRole('alert')
        .filter({ hasText: 'Export cancelled' });
      expect(await alert.textContent()).toContain(
        'What to do next: Start it again if you still need it.',
      );
    });
  },
);
