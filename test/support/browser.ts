import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';

/** Debian's Chromium, which CI installs (.ci/run). */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_PRESENT = existsSync(CHROMIUM);

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Fails the run where CI installed Chromium and it is missing anyway;
 * elsewhere the browser tests are skipped, and say why.
 */
export function chromiumMissingIsFatal(): void {
  if (CHROMIUM_PRESENT) return;
  if (process.env.CI) {
    throw new Error(`${CHROMIUM} is missing; .ci/run installs it`);
  }
  console.warn(
    `browser tests skipped: no ${CHROMIUM} (apt-get install chromium)`,
  );
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** Builds the web UI from source into a folder of its own. */
export async function buildWeb(): Promise<string> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'dp-web-'));
  await build({
    configFile: path.resolve('web/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  return outDir;
}

const axeSource = readFile(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core on the page as it is now and fails on any serious or
 * critical violation, naming each. axe is evaluated through the DevTools
 * protocol, so the UI's Content-Security-Policy stays on.
 */
export async function expectNoSeriousA11yViolations(page: Page) {
  await page.evaluate(await axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<unknown> } })
      .axe;
    const result = (await axe.run()) as { violations: AxeViolation[] };
    return result.violations;
  });
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
  expect(serious, page.url()).toEqual([]);
}

/** Saves a screenshot for docs/user-guide.md. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: path.resolve('docs/images', `${name}.png`),
    fullPage: true,
  });
}
