import type { Database, Queryable } from '../db/index.js';
import type { ArtifactKind } from '../domain/index.js';
import type {
  ArtifactProvenance,
  BundleProvenance,
  BundleRecord,
  DownloadRecord,
  ProvenanceStore,
} from './store.js';

type Props = Record<string, unknown>;

interface Node {
  id: string;
  label: string;
  props: Props;
}

interface Edge {
  source: string;
  type: string;
  target: string;
  props: Props;
}

/** The id of a node: its label's prefix and its natural key. */
export const nodeId = {
  job: (id: string) => `job:${id}`,
  principal: (subject: string) => `principal:${subject}`,
  bundle: (sha512: string) => `bundle:${sha512}`,
  artifact: (sha512: string) => `artifact:${sha512}`,
  key: (keyId: string) => `key:${keyId}`,
  download: (id: string) => `download:${id}`,
};

/**
 * A step of a walk: an edge type and the way it is followed, `>` from
 * source to target, `<` from target back to its source.
 */
type Step = `${string}${'>' | '<'}`;

/** Every statement on provenance_nodes and provenance_edges. */
export const provenanceQueries = {
  /** Adds nodes, merging the properties of those already there. */
  async upsertNodes(db: Queryable, tenantId: string, nodes: Node[]) {
    await db.query(
      `INSERT INTO provenance_nodes (tenant_id, id, label, props)
       SELECT $1, n.id, n.label, n.props
       FROM jsonb_to_recordset($2::jsonb) AS n(id text, label text, props jsonb)
       ON CONFLICT (tenant_id, id)
       DO UPDATE SET props = provenance_nodes.props || EXCLUDED.props`,
      [tenantId, JSON.stringify(unique(nodes, (n) => n.id))],
    );
  },

  /** Adds edges; an edge already there keeps its first properties. */
  async insertEdges(db: Queryable, tenantId: string, edges: Edge[]) {
    await db.query(
      `INSERT INTO provenance_edges (tenant_id, source, type, target, props)
       SELECT $1, e.source, e.type, e.target, e.props
       FROM jsonb_to_recordset($2::jsonb)
         AS e(source text, type text, target text, props jsonb)
       ON CONFLICT DO NOTHING`,
      [
        tenantId,
        JSON.stringify(
          unique(edges, (e) => `${e.source} ${e.type} ${e.target}`),
        ),
      ],
    );
  },

  /**
   * Walks the graph from one node, following only the given steps, at
   * most `depth` edges away; answers every edge it crossed.
   */
  async walk(
    db: Queryable,
    tenantId: string,
    start: string,
    steps: Step[],
    depth: number,
  ): Promise<Edge[]> {
    const { rows } = await db.query<Edge>(
      `WITH RECURSIVE walk (node, source, type, target, props, depth) AS (
         SELECT $2::text, NULL::text, NULL::text, NULL::text, NULL::jsonb, 0
         UNION
         SELECT CASE WHEN e.source = w.node THEN e.target ELSE e.source END,
           e.source, e.type, e.target, e.props, w.depth + 1
         FROM walk w
         JOIN provenance_edges e ON e.tenant_id = $1 AND (
           (e.source = w.node AND e.type || '>' = ANY($3::text[]))
           OR (e.target = w.node AND e.type || '<' = ANY($3::text[])))
         WHERE w.depth < $4
       )
       SELECT DISTINCT source, type, target, props FROM walk WHERE depth > 0`,
      [tenantId, start, steps, depth],
    );
    return rows;
  },

  async nodes(
    db: Queryable,
    tenantId: string,
    ids: string[],
  ): Promise<Map<string, Node>> {
    const { rows } = await db.query<Node>(
      `SELECT id, label, props FROM provenance_nodes
       WHERE tenant_id = $1 AND id = ANY($2::text[])`,
      [tenantId, ids],
    );
    return new Map(rows.map((n) => [n.id, n]));
  },
};

/**
 * The provenance graph in PostgreSQL (migration 007): nodes and typed
 * edges, read with recursive walks. Given a tenant-scoped database, its
 * reads are held to that tenant by row-level security as well.
 */
export class PostgresProvenanceStore implements ProvenanceStore {
  constructor(private readonly db: Database) {}

  async recordBundle(record: BundleRecord): Promise<void> {
    const { tenantId, job, bundle } = record;
    const jobNode = nodeId.job(job.id);
    const bundleNode = nodeId.bundle(bundle.sha512);
    const principal = nodeId.principal(job.requestedBy);
    const key = nodeId.key(bundle.keyId);
    const nodes: Node[] = [
      {
        id: jobNode,
        label: 'Job',
        props: {
          id: job.id,
          requestedBy: job.requestedBy,
          requestedAt: job.requestedAt.toISOString(),
          windowFrom: job.window.from.toISOString(),
          windowTo: job.window.to.toISOString(),
        },
      },
      {
        id: principal,
        label: 'Principal',
        props: { subject: job.requestedBy },
      },
      {
        id: bundleNode,
        label: 'Bundle',
        props: {
          sha512: bundle.sha512,
          size: bundle.size,
          keyId: bundle.keyId,
          publishedAt: bundle.publishedAt.toISOString(),
        },
      },
      { id: key, label: 'SigningKey', props: { keyId: bundle.keyId } },
      ...record.artifacts.map((a) => ({
        id: nodeId.artifact(a.sha512),
        label: 'Artifact',
        props: { sha512: a.sha512, kind: a.kind },
      })),
    ];
    const edges: Edge[] = [
      { source: jobNode, type: 'REQUESTED_BY', target: principal, props: {} },
      { source: jobNode, type: 'PRODUCED', target: bundleNode, props: {} },
      { source: bundleNode, type: 'SIGNED_WITH', target: key, props: {} },
      ...record.artifacts.map((a) => ({
        source: bundleNode,
        type: 'CONTAINS',
        target: nodeId.artifact(a.sha512),
        props: { path: a.path, kind: a.kind },
      })),
    ];
    await this.db.transaction(async (tx) => {
      await provenanceQueries.upsertNodes(tx, tenantId, nodes);
      await provenanceQueries.insertEdges(tx, tenantId, edges);
    });
  }

  async recordDownload(record: DownloadRecord): Promise<void> {
    const { tenantId } = record;
    const download = nodeId.download(record.id);
    const principal = nodeId.principal(record.actor);
    const bundle = nodeId.bundle(record.bundleSha512);
    await this.db.transaction(async (tx) => {
      // A download of a bundle the graph never heard of is not recorded.
      const known = await provenanceQueries.nodes(tx, tenantId, [bundle]);
      if (!known.has(bundle)) return;
      await provenanceQueries.upsertNodes(tx, tenantId, [
        {
          id: download,
          label: 'Download',
          props: {
            id: record.id,
            via: record.via,
            at: record.at.toISOString(),
          },
        },
        { id: principal, label: 'Principal', props: { subject: record.actor } },
      ]);
      await provenanceQueries.insertEdges(tx, tenantId, [
        { source: download, type: 'OF', target: bundle, props: {} },
        { source: download, type: 'BY', target: principal, props: {} },
      ]);
    });
  }

  async artifact(
    tenantId: string,
    sha512: string,
  ): Promise<ArtifactProvenance | null> {
    // artifact <-CONTAINS- bundle <-PRODUCED- job -REQUESTED_BY-> principal
    const edges = await provenanceQueries.walk(
      this.db,
      tenantId,
      nodeId.artifact(sha512),
      ['CONTAINS<', 'PRODUCED<', 'REQUESTED_BY>'],
      3,
    );
    const contains = edges.filter((e) => e.type === 'CONTAINS');
    if (contains.length === 0) return null;
    const nodes = await this.nodesOf(tenantId, edges);
    const bundles = contains.map((c) => {
      const bundle = nodes.get(c.source)?.props ?? {};
      const produced = edges.find(
        (e) => e.type === 'PRODUCED' && e.target === c.source,
      );
      const job = nodes.get(produced?.source ?? '')?.props ?? {};
      return {
        sha512: String(bundle.sha512),
        size: Number(bundle.size),
        keyId: String(bundle.keyId),
        publishedAt: new Date(String(bundle.publishedAt)),
        jobId: String(job.id),
        requestedBy: String(job.requestedBy),
        path: String(c.props.path),
        kind: c.props.kind as ArtifactKind,
      };
    });
    bundles.sort((a, b) => a.publishedAt.getTime() - b.publishedAt.getTime());
    return { sha512, bundles };
  }

  async bundle(
    tenantId: string,
    sha512: string,
  ): Promise<BundleProvenance | null> {
    const start = nodeId.bundle(sha512);
    const [found] = (
      await provenanceQueries.nodes(this.db, tenantId, [start])
    ).values();
    if (!found) return null;
    // Out to its artifacts and key, back to its job and downloads, and
    // from those to the people behind them.
    const edges = await provenanceQueries.walk(
      this.db,
      tenantId,
      start,
      ['CONTAINS>', 'SIGNED_WITH>', 'PRODUCED<', 'OF<', 'REQUESTED_BY>', 'BY>'],
      2,
    );
    const nodes = await this.nodesOf(tenantId, edges);
    const produced = edges.find((e) => e.type === 'PRODUCED');
    const job = nodes.get(produced?.source ?? '')?.props ?? {};
    const downloads = edges
      .filter((e) => e.type === 'OF')
      .map((of) => {
        const download = nodes.get(of.source)?.props ?? {};
        const by = edges.find((e) => e.type === 'BY' && e.source === of.source);
        return {
          actor: (by?.target ?? '').slice('principal:'.length),
          via: String(download.via),
          at: new Date(String(download.at)),
        };
      })
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    const bundle = found.props;
    return {
      sha512,
      size: Number(bundle.size),
      keyId: String(bundle.keyId),
      publishedAt: new Date(String(bundle.publishedAt)),
      job: {
        id: String(job.id),
        requestedBy: String(job.requestedBy),
        requestedAt: new Date(String(job.requestedAt)),
        window: {
          from: new Date(String(job.windowFrom)),
          to: new Date(String(job.windowTo)),
        },
      },
      artifacts: edges
        .filter((e) => e.type === 'CONTAINS')
        .map((e) => ({
          sha512: e.target.slice('artifact:'.length),
          kind: e.props.kind as ArtifactKind,
          path: String(e.props.path),
        }))
        .sort((a, b) => (a.path < b.path ? -1 : 1)),
      downloads,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private nodesOf(tenantId: string, edges: Edge[]) {
    const ids = new Set(edges.flatMap((e) => [e.source, e.target]));
    return provenanceQueries.nodes(this.db, tenantId, [...ids]);
  }
}

function unique<T>(items: T[], keyOf: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items)
    if (!seen.has(keyOf(item))) seen.set(keyOf(item), item);
  return [...seen.values()];
}
