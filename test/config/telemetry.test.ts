import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

describe('the telemetry settings', () => {
  it('turn nothing on by default', () => {
    const config = loadConfig({}, {});
    expect(config.telemetry).toEqual({
      serviceName: 'disclosure-packager',
      analyticsBatchSize: 100,
      analyticsFlushMs: 2000,
      analyticsBufferSize: 10_000,
      analyticsRetries: 5,
    });
    expect(config.operatorTokens).toEqual([]);
  });

  it('read the OTLP and analytics variables', () => {
    const config = loadConfig(
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_SERVICE_NAME: 'dp-eu',
        DP_ANALYTICS_SINK_URL: 'https://events.example.com/ingest',
        DP_ANALYTICS_BATCH_SIZE: '50',
      },
    );
    expect(config.telemetry).toMatchObject({
      otlpEndpoint: 'http://collector:4318',
      serviceName: 'dp-eu',
      analyticsSinkUrl: 'https://events.example.com/ingest',
      analyticsBatchSize: 50,
    });
  });

  it('prefer the traces endpoint, and honour OTEL_SDK_DISABLED', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces',
    };
    expect(loadConfig({}, env).telemetry.otlpEndpoint).toBe(
      'http://traces:4318/v1/traces',
    );
    expect(
      loadConfig({}, { ...env, OTEL_SDK_DISABLED: 'true' }).telemetry
        .otlpEndpoint,
    ).toBeUndefined();
  });

  it('parse operator tokens, each with a subject', () => {
    const token = 'op-0123456789abcdef0123456789abcdef';
    const config = loadConfig(
      {},
      { DP_OPERATOR_TOKENS: `${token}:ops@platform, ${token}x` },
    );
    expect(config.operatorTokens).toEqual([
      { token, subject: 'ops@platform' },
      { token: `${token}x`, subject: 'operator' },
    ]);
  });

  it('report every bad setting at once, under its variable', () => {
    let message = '';
    try {
      loadConfig(
        {},
        {
          DP_OPERATOR_TOKENS: 'short',
          DP_ANALYTICS_SINK_URL: 'not a url',
          DP_ANALYTICS_BUFFER_SIZE: '0',
        },
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      'DP_OPERATOR_TOKENS entries must be at least 32 characters',
    );
    expect(message).toContain('(DP_ANALYTICS_SINK_URL): Invalid URL');
    expect(message).toContain('(DP_ANALYTICS_BUFFER_SIZE)');
  });
});
