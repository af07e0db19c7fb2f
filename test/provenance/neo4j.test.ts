import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CYPHER, Neo4jProvenanceStore } from '../../src/provenance/neo4j.js';
import { provenanceContract } from './contract.js';

// The package's ES module build does not load on Node 20; its CommonJS
// build does.
const require = createRequire(import.meta.url);
const { lintCypherQuery } = require('@neo4j-cypher/language-support') as {
  lintCypherQuery: (
    query: string,
    schema: { parameters?: Record<string, unknown> },
  ) => { severity: number; message: string }[];
};

const STATEMENTS: [string, string][] = Object.entries(CYPHER).flatMap(
  ([name, value]): [string, string][] =>
    typeof value === 'string'
      ? [[name, value]]
      : value.map((text, i): [string, string] => [`${name}[${i}]`, text]),
);

/** The parameters a statement names, each given a value of any kind. */
function parametersOf(text: string): Record<string, unknown> {
  const names = [...text.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map(
    (match) => match[1] ?? '',
  );
  return Object.fromEntries(names.map((name): [string, unknown] => [name, '']));
}

describe("Neo4j's Cypher parser", () => {
  it.each(STATEMENTS)('accepts the %s statement', (_name, text) => {
    const errors = lintCypherQuery(text, { parameters: parametersOf(text) })
      // severity 1 is an error; 2 a warning (deprecations and the like).
      .filter((d) => d.severity === 1)
      .map((d) => d.message);
    expect(errors).toEqual([]);
  });

  it('refuses a statement with a typo, so the check can fail', () => {
    const broken = CYPHER.artifact.replace('RETURN', 'RETRUN');
    const errors = lintCypherQuery(broken, {
      parameters: parametersOf(broken),
    }).filter((d) => d.severity === 1);
    expect(errors.length).toBeGreaterThan(0);
  });
});

// No Neo4j server can run on these machines (none in Debian or npm, no
// Docker): the contract runs against one only where NEO4J_URL is set.
const NEO4J_URL = process.env.NEO4J_URL;

describe.skipIf(!NEO4J_URL)('against the Neo4j at NEO4J_URL', () => {
  provenanceContract('Neo4j', () => {
    const store = Neo4jProvenanceStore.fromUrl(
      NEO4J_URL as string,
      process.env.NEO4J_USER ?? 'neo4j',
      process.env.NEO4J_PASSWORD,
    );
    return Promise.resolve({ store, close: () => store.close() });
  });
});
