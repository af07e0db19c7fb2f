// Building blocks of the OpenAPI document, shared by openapi.ts and the
// parts it merges in (webhookdoc.ts).

export const problem = { $ref: '#/components/schemas/Problem' };
export const problemContent = {
  'application/problem+json': { schema: problem },
};
/** A refusal answered as a problem document. */
export const respond = (description: string) => ({
  description,
  content: problemContent,
});
/** A JSON body of a named schema. */
export const json = (ref: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${ref}` } },
});
export const dateTime = { type: 'string', format: 'date-time' };
export const nullableDateTime = {
  type: ['string', 'null'],
  format: 'date-time',
};
