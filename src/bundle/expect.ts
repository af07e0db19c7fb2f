import type { TimeWindow } from '../domain/index.js';
import { BUNDLE_FILES } from './layout.js';
import type { Manifest } from './manifest.js';
import type { Problem } from './problems.js';

/** What the verifier expects the bundle to be about. */
export interface Expectations {
  tenant?: string;
  window?: TimeWindow;
}

/** Holds the manifest's tenant and window to what the verifier expects. */
export function checkExpectations(
  manifest: Manifest | undefined,
  expected: Expectations,
  problems: Problem[],
): void {
  const path = BUNDLE_FILES.manifest;
  if (
    expected.tenant !== undefined &&
    manifest?.tenant?.id !== expected.tenant
  ) {
    problems.push({
      code: 'tenant-mismatch',
      path,
      message:
        `the bundle is for tenant ${JSON.stringify(manifest?.tenant?.id ?? null)}, ` +
        `not ${JSON.stringify(expected.tenant)}`,
    });
  }
  const window = expected.window;
  if (window !== undefined && !sameWindow(manifest, window)) {
    const actual = manifest?.window
      ? `${manifest.window.from}/${manifest.window.to}`
      : 'none';
    problems.push({
      code: 'window-mismatch',
      path,
      message:
        `the bundle covers ${actual}, not ` +
        `${window.from.toISOString()}/${window.to.toISOString()}`,
    });
  }
}

function sameWindow(manifest: Manifest | undefined, window: TimeWindow) {
  const from = Date.parse(manifest?.window?.from ?? '');
  const to = Date.parse(manifest?.window?.to ?? '');
  return from === window.from.getTime() && to === window.to.getTime();
}
