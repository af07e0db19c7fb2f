import { readFile } from 'node:fs/promises';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { JOB_FIELDS } from '../../src/bundle/index.js';

/** The schema's complaints about a manifest (strict mode, all errors). */
export async function schemaErrorsOf(manifest: unknown): Promise<unknown[]> {
  const schema = JSON.parse(
    await readFile('docs/schemas/manifest.schema.json', 'utf8'),
  ) as object;
  const ajv = new Ajv2020.default({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  const valid = validate(manifest);
  const errors = validate.errors ?? [];
  expect(valid).toBe(errors.length === 0);
  return errors;
}

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
