import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

describe('loadConfig storage settings', () => {
  it('keeps bundles in the local folder for 30 days with no configuration', () => {
    const { storage, neo4jUrl } = loadConfig({}, {});
    expect(storage).toMatchObject({
      kind: 'local',
      retentionDays: 30,
      retentionByTenant: {},
    });
    expect(neo4jUrl).toBeUndefined();
  });

  it('reads S3, retention and Neo4j settings from their variables', () => {
    const config = loadConfig(
      {},
      {
        DP_STORAGE: 's3',
        DP_S3_BUCKET: 'evidence-vault',
        DP_S3_ENDPOINT: 'http://127.0.0.1:9000',
        DP_S3_FORCE_PATH_STYLE: 'true',
        DP_S3_PREFIX: 'packager/',
        DP_S3_DOWNLOADS: 'proxy',
        DP_RETENTION_DAYS: '45',
        DP_RETENTION_TENANT_DAYS: 'acme=90, globex=7',
        NEO4J_URL: 'neo4j://graph.internal:7687',
      },
    );
    expect(config.storage).toMatchObject({
      kind: 's3',
      retentionDays: 45,
      retentionByTenant: { acme: 90, globex: 7 },
      s3: {
        bucket: 'evidence-vault',
        endpoint: 'http://127.0.0.1:9000',
        forcePathStyle: true,
        prefix: 'packager/',
        downloads: 'proxy',
        tenantIsolation: 'prefix',
      },
    });
    expect(config.neo4jUrl).toBe('neo4j://graph.internal:7687');
  });

  it('names every S3 problem by its variable, all at once', () => {
    expect(() =>
      loadConfig(
        {},
        {
          DP_STORAGE: 's3',
          DP_S3_TENANT_ISOLATION: 'shelf',
          DP_RETENTION_DAYS: '0',
        },
      ),
    ).toThrow(
      /DP_S3_TENANT_ISOLATION[\s\S]*DP_RETENTION_DAYS|DP_RETENTION_DAYS[\s\S]*DP_S3_TENANT_ISOLATION/,
    );
    expect(() => loadConfig({}, { DP_STORAGE: 's3' })).toThrow(
      /storage\.s3\.bucket \(DP_S3_BUCKET\): S3 storage with prefix isolation needs a bucket/,
    );
  });
});
