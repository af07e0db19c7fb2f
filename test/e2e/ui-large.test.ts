import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aSigner,
  anAssembly,
  anAuditSource,
  assembleToFile,
} from '../bundle/builders.js';
import type { BundleSource } from '../../src/bundle/index.js';
import { startTestServer, type TestServer } from '../support/api.js';
import {
  buildWeb,
  CHROMIUM_PRESENT,
  chromiumMissingIsFatal,
  launchBrowser,
} from '../support/browser.js';

chromiumMissingIsFatal();

const MEGABYTES = 256;

/** Audit events as JSON Lines: 1 MB of varied lines, repeated. */
function aLargeAuditSource(megabytes: number): BundleSource {
  const line = () =>
    `{"id":"${randomBytes(16).toString('hex')}","verb":"get","user":"svc"}\n`;
  let block = '';
  while (block.length < 1_000_000) block += line();
  const chunk = Buffer.from(block);
  const items = block.split('\n').length - 1;
  return {
    ...anAuditSource(0),
    content: async function* () {
      for (let i = 0; i < megabytes; i += 1) {
        // Lets the ZIP writer drain between chunks, as a real source does.
        await Promise.resolve();
        yield chunk;
      }
    },
    items: () => items * megabytes,
  };
}

describe.skipIf(!CHROMIUM_PRESENT)(
  'verifying a large bundle in Chromium',
  () => {
    let browser: Browser;
    let webRoot: string;
    let work: string;
    let api: TestServer;

    beforeAll(async () => {
      [browser, webRoot, work] = await Promise.all([
        launchBrowser(),
        buildWeb(),
        mkdtemp(path.join(os.tmpdir(), 'dp-e2e-large-')),
      ]);
      api = await startTestServer({ webRoot });
    });
    afterAll(async () => {
      await browser?.close();
      await api?.close();
      for (const dir of [webRoot, work]) {
        if (dir) await rm(dir, { recursive: true, force: true });
      }
    });

    it(`checks ${MEGABYTES} MB in a worker while the page stays responsive`, async () => {
      const zip = path.join(work, 'large.zip');
      await assembleToFile(
        zip,
        anAssembly(aSigner(), {
          sources: [aLargeAuditSource(MEGABYTES)],
          artifacts: ['audit-events'],
          outcomes: () => ({}),
          compression: 'deflate',
        }),
      );
      const page = await browser.newPage({ baseURL: api.server.url });
      await page.goto('/');
      await page.getByLabel('API token').fill(api.tokens.acme);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Verify a bundle' }).click();
      await page.getByLabel('Bundle ZIP').setInputFiles(zip);

      // The longest gap between ticks of a 20 ms timer on the page's main
      // thread while the worker hashes: a frozen page would show seconds.
      await page.evaluate(`(() => {
      let last = performance.now();
      globalThis.longestGap = 0;
      globalThis.ticker = setInterval(() => {
        const now = performance.now();
        globalThis.longestGap = Math.max(globalThis.longestGap, now - last);
        last = now;
      }, 20);
    })()`);
      const started = Date.now();
      await page.getByRole('button', { name: 'Verify bundle' }).click();
      const outcome = page.getByTestId('verify-outcome');
      await outcome.waitFor({ timeout: 120_000 });
      const seconds = (Date.now() - started) / 1000;
      const longestGap = await page.evaluate<number>(
        'clearInterval(globalThis.ticker), globalThis.longestGap',
      );

      expect(await outcome.getAttribute('data-verdict')).toBe('intact');
      const { size } = await stat(zip);
      console.info(
        `browser verification: ${MEGABYTES} MB of content ` +
          `(${(size / 1e6).toFixed(0)} MB ZIP) in ${seconds.toFixed(1)} s, ` +
          `longest main-thread gap ${longestGap.toFixed(0)} ms`,
      );
      expect(longestGap).toBeLessThan(1000);
    }, 180_000);
  },
);
