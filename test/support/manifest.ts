import { expect } from 'vitest';
import { JOB_FIELDS } from '../../src/bundle/index.js';

/**
 * Parses manifest.json and removes every documented field that names the
 * job (JOB_FIELDS), failing the test when one of them is missing.
 */
export function withoutJobFields(data: Buffer): Record<string, unknown> {
  const manifest = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
  for (const field of JOB_FIELDS) {
    const [section, name] = field.split('.') as [string, string];
    const parent = manifest[section] as Record<string, unknown> | undefined;
    expect(parent?.[name], `${field} is missing`).toBeDefined();
    delete parent?.[name];
  }
  return manifest;
}
