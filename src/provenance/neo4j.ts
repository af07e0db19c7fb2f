import neo4j, { type Driver } from 'neo4j-driver';
import type { ArtifactKind } from '../domain/index.js';
import type {
  ArtifactProvenance,
  BundleProvenance,
  BundleRecord,
  DownloadRecord,
  ProvenanceStore,
} from './store.js';

/**
 * Every Cypher statement the Neo4j store runs, in one place: the normal
 * test run parses each with Neo4j's own Cypher parser, so that a typo is
 * caught where no Neo4j server runs (docs/provenance.md).
 */
export const CYPHER = {
  // One node per tenant and natural key: composite uniqueness constraints
  // (Neo4j 5) that the MERGEs below rely on to stay single.
  constraints: [
    'CREATE CONSTRAINT dp_job IF NOT EXISTS FOR (n:Job) REQUIRE (n.tenantId, n.id) IS UNIQUE',
    'CREATE CONSTRAINT dp_principal IF NOT EXISTS FOR (n:Principal) REQUIRE (n.tenantId, n.subject) IS UNIQUE',
    'CREATE CONSTRAINT dp_bundle IF NOT EXISTS FOR (n:Bundle) REQUIRE (n.tenantId, n.sha512) IS UNIQUE',
    'CREATE CONSTRAINT dp_artifact IF NOT EXISTS FOR (n:Artifact) REQUIRE (n.tenantId, n.sha512) IS UNIQUE',
    'CREATE CONSTRAINT dp_signing_key IF NOT EXISTS FOR (n:SigningKey) REQUIRE (n.tenantId, n.keyId) IS UNIQUE',
    'CREATE CONSTRAINT dp_download IF NOT EXISTS FOR (n:Download) REQUIRE (n.tenantId, n.id) IS UNIQUE',
  ],

  recordBundle: `
MERGE (j:Job {tenantId: $tenantId, id: $jobId})
  SET j.requestedBy = $requestedBy, j.requestedAt = $requestedAt,
      j.windowFrom = $windowFrom, j.windowTo = $windowTo
MERGE (p:Principal {tenantId: $tenantId, subject: $requestedBy})
MERGE (j)-[:REQUESTED_BY]->(p)
MERGE (b:Bundle {tenantId: $tenantId, sha512: $sha512})
  SET b.size = $size, b.keyId = $keyId, b.publishedAt = $publishedAt
MERGE (j)-[:PRODUCED]->(b)
MERGE (k:SigningKey {tenantId: $tenantId, keyId: $keyId})
MERGE (b)-[:SIGNED_WITH]->(k)
WITH b
UNWIND $artifacts AS a
MERGE (x:Artifact {tenantId: $tenantId, sha512: a.sha512})
  ON CREATE SET x.kind = a.kind
MERGE (b)-[c:CONTAINS]->(x)
  ON CREATE SET c.path = a.path, c.kind = a.kind`,

  recordDownload: `
MATCH (b:Bundle {tenantId: $tenantId, sha512: $sha512})
MERGE (p:Principal {tenantId: $tenantId, subject: $actor})
MERGE (d:Download {tenantId: $tenantId, id: $id})
  ON CREATE SET d.via = $via, d.at = $at
MERGE (d)-[:OF]->(b)
MERGE (d)-[:BY]->(p)`,

  artifact: `
MATCH (x:Artifact {tenantId: $tenantId, sha512: $sha512})
      <-[c:CONTAINS]-(b:Bundle {tenantId: $tenantId})
      <-[:PRODUCED]-(j:Job {tenantId: $tenantId})
RETURN b.sha512 AS sha512, b.size AS size, b.keyId AS keyId,
       b.publishedAt AS publishedAt, j.id AS jobId,
       j.requestedBy AS requestedBy, c.path AS path, c.kind AS kind
ORDER BY publishedAt`,

  bundle: `
MATCH (j:Job {tenantId: $tenantId})-[:PRODUCED]->
      (b:Bundle {tenantId: $tenantId, sha512: $sha512})
OPTIONAL MATCH (b)-[c:CONTAINS]->(x:Artifact)
WITH j, b, collect({sha512: x.sha512, kind: c.kind, path: c.path}) AS artifacts
OPTIONAL MATCH (d:Download)-[:OF]->(b)
OPTIONAL MATCH (d)-[:BY]->(p:Principal)
RETURN b.size AS size, b.keyId AS keyId, b.publishedAt AS publishedAt,
       j.id AS jobId, j.requestedBy AS requestedBy,
       j.requestedAt AS requestedAt, j.windowFrom AS windowFrom,
       j.windowTo AS windowTo, artifacts,
       collect({actor: p.subject, via: d.via, at: d.at}) AS downloads`,
} as const;

/**
 * The provenance graph in Neo4j (NEO4J_URL), through the official driver.
 * Times are stored as RFC 3339 strings, which sort as times do.
 */
export class Neo4jProvenanceStore implements ProvenanceStore {
  private ready: Promise<void> | undefined;

  constructor(private readonly driver: Driver) {}

  static fromUrl(url: string, user: string, password?: string) {
    const auth =
      password === undefined ? undefined : neo4j.auth.basic(user, password);
    return new Neo4jProvenanceStore(neo4j.driver(url, auth));
  }

  async recordBundle(record: BundleRecord): Promise<void> {
    await this.prepare();
    await this.driver.executeQuery(CYPHER.recordBundle, {
      tenantId: record.tenantId,
      jobId: record.job.id,
      requestedBy: record.job.requestedBy,
      requestedAt: record.job.requestedAt.toISOString(),
      windowFrom: record.job.window.from.toISOString(),
      windowTo: record.job.window.to.toISOString(),
      sha512: record.bundle.sha512,
      size: record.bundle.size,
      keyId: record.bundle.keyId,
      publishedAt: record.bundle.publishedAt.toISOString(),
      artifacts: record.artifacts,
    });
  }

  async recordDownload(record: DownloadRecord): Promise<void> {
    await this.prepare();
    await this.driver.executeQuery(CYPHER.recordDownload, {
      tenantId: record.tenantId,
      sha512: record.bundleSha512,
      actor: record.actor,
      id: record.id,
      via: record.via,
      at: record.at.toISOString(),
    });
  }

  async artifact(
    tenantId: string,
    sha512: string,
  ): Promise<ArtifactProvenance | null> {
    await this.prepare();
    const { records } = await this.driver.executeQuery(CYPHER.artifact, {
      tenantId,
      sha512,
    });
    if (records.length === 0) return null;
    return {
      sha512,
      bundles: records.map((r) => ({
        sha512: r.get('sha512') as string,
        size: toNumber(r.get('size')),
        keyId: r.get('keyId') as string,
        publishedAt: new Date(r.get('publishedAt') as string),
        jobId: r.get('jobId') as string,
        requestedBy: r.get('requestedBy') as string,
        path: r.get('path') as string,
        kind: r.get('kind') as ArtifactKind,
      })),
    };
  }

  async bundle(
    tenantId: string,
    sha512: string,
  ): Promise<BundleProvenance | null> {
    await this.prepare();
    const { records } = await this.driver.executeQuery(CYPHER.bundle, {
      tenantId,
      sha512,
    });
    const [r] = records;
    if (!r) return null;
    type Row = Record<string, string | null>;
    const artifacts = (r.get('artifacts') as Row[])
      .filter((a) => a.sha512 !== null)
      .map((a) => ({
        sha512: String(a.sha512),
        kind: a.kind as ArtifactKind,
        path: String(a.path),
      }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    const downloads = (r.get('downloads') as Row[])
      .filter((d) => d.at !== null)
      .map((d) => ({
        actor: String(d.actor),
        via: String(d.via),
        at: new Date(String(d.at)),
      }))
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    return {
      sha512,
      size: toNumber(r.get('size')),
      keyId: r.get('keyId') as string,
      publishedAt: new Date(r.get('publishedAt') as string),
      job: {
        id: r.get('jobId') as string,
        requestedBy: r.get('requestedBy') as string,
        requestedAt: new Date(r.get('requestedAt') as string),
        window: {
          from: new Date(r.get('windowFrom') as string),
          to: new Date(r.get('windowTo') as string),
        },
      },
      artifacts,
      downloads,
    };
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  /** Creates the constraints once per process, before the first write. */
  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      for (const statement of CYPHER.constraints) {
        await this.driver.executeQuery(statement);
      }
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }
}

/** Neo4j integers arrive as their own type; sizes fit in a double. */
function toNumber(value: unknown): number {
  return neo4j.isInt(value) ? value.toNumber() : Number(value);
}
