import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { openApiDocument } from '../../src/api/index.js';

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, Resp> }>>;
};
type Resp = { content?: Record<string, { schema: object }> };

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...openApiDocument, $id: 'openapi' });

/** Maps a concrete path onto the document's template, e.g. /jobs/{id}. */
function templateOf(pathname: string): string | undefined {
  const doc = openApiDocument as unknown as Doc;
  return Object.keys(doc.paths).find((template) => {
    const pattern = template.replace(/\{[^}]+\}/g, '[^/]+');
    return new RegExp(`^${pattern}$`).test(pathname);
  });
}

/**
 * Holds one response to the OpenAPI document: the path, method and status
 * must be described, the media type must match, and a JSON body must
 * validate against the schema the document gives for it.
 */
export function expectToMatchContract(
  method: string,
  pathname: string,
  status: number,
  contentType: string | null,
  body: unknown,
): void {
  const doc = openApiDocument as unknown as Doc;
  const template = templateOf(pathname.split('?')[0] ?? pathname);
  expect(template, `${pathname} is not in the OpenAPI document`).toBeDefined();
  if (status === 405) {
    // A method the path lacks has no operation to hold it to: it must be
    // a problem document.
    expect(contentType).toContain('application/problem+json');
    const validate = ajv.getSchema('openapi#/components/schemas/Problem');
    expect(validate?.(body), JSON.stringify(validate?.errors)).toBe(true);
    return;
  }
  const operation = doc.paths[template as string]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is not documented`).toBeDefined();
  const response = operation?.responses[String(status)];
  expect(
    response,
    `${method} ${template} ${status} is not documented`,
  ).toBeDefined();
  // An answer documented without content (204) must come without one.
  if (response && !response.content) {
    expect(contentType, `${status} must have no body`).toBeNull();
    return;
  }
  const mediaType = (contentType ?? '').split(';')[0]?.trim() ?? '';
  const media = response?.content?.[mediaType];
  expect(media, `${status} ${mediaType} is not documented`).toBeDefined();
  if (mediaType.endsWith('json')) {
    const pointer = `openapi#/paths/${encode(template as string)}/${method.toLowerCase()}/responses/${status}/content/${encode(mediaType)}/schema`;
    const validate = ajv.getSchema(pointer);
    expect(validate, `no schema at ${pointer}`).toBeDefined();
    const valid = validate?.(body);
    expect(valid, JSON.stringify(validate?.errors, null, 2)).toBe(true);
  }
}

function encode(segment: string): string {
  return segment
    .replace(/~/g, '~0')
    .replace(/\//g, '~1')
    .replace(/\{/g, '%7B')
    .replace(/\}/g, '%7D');
}
