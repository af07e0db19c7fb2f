import { SAMPLE_LABEL, SAMPLE_WINDOW_MS, toMicros } from './seed.js';
import type { SampleSeed } from './seed.js';

/** The sample workload every sample document is about. */
export const SAMPLE_NAMESPACE = 'sample-shop';
export const SAMPLE_WORKLOAD = 'sample-web';

const EVENT_COUNT = 40;

interface Action {
  verb: string;
  resource: string;
  apiGroup: string;
  name?: string;
  code: number;
}

// Mostly reads, some changes, and a refused delete, as a real day might go.
const ACTIONS: readonly Action[] = [
  {
    verb: 'get',
    resource: 'deployments',
    apiGroup: 'apps',
    name: SAMPLE_WORKLOAD,
    code: 200,
  },
  { verb: 'list', resource: 'pods', apiGroup: '', code: 200 },
  {
    verb: 'patch',
    resource: 'deployments',
    apiGroup: 'apps',
    name: SAMPLE_WORKLOAD,
    code: 200,
  },
  {
    verb: 'update',
    resource: 'configmaps',
    apiGroup: '',
    name: 'sample-web-config',
    code: 200,
  },
  {
    verb: 'create',
    resource: 'secrets',
    apiGroup: '',
    name: 'sample-web-tls',
    code: 201,
  },
  {
    verb: 'get',
    resource: 'secrets',
    apiGroup: '',
    name: 'sample-db-password',
    code: 403,
  },
  {
    verb: 'delete',
    resource: 'pods',
    apiGroup: '',
    name: 'sample-web-7d9f5c6b8d-x2k4q',
    code: 200,
  },
  {
    verb: 'get',
    resource: 'services',
    apiGroup: '',
    name: 'sample-web',
    code: 404,
  },
];

const USERS = [
  'sample-alice@example.com',
  'sample-bob@example.com',
  'system:serviceaccount:sample-shop:sample-deployer',
];

// Documentation ranges only (RFC 5737), so no real address appears.
const SOURCE_IPS = ['192.0.2.10', '192.0.2.44', '203.0.113.7', '203.0.113.80'];

/**
 * About forty Kubernetes audit Events (audit.k8s.io/v1) as JSON Lines, one
 * or two in each slice of the 30 days before `now`, in time order.
 */
export function toAuditEvents(now: Date, seed: SampleSeed): Buffer {
  const endUs = now.getTime() * 1000;
  const slotUs = (SAMPLE_WINDOW_MS * 1000) / EVENT_COUNT;
  const lines: string[] = [];
  for (let i = 0; i < EVENT_COUNT; i += 1) {
    const slotStart = endUs - SAMPLE_WINDOW_MS * 1000 + Math.floor(i * slotUs);
    // Leave a second at the slot's end so stageTimestamp stays before `now`.
    const received = slotStart + seed.int(Math.floor(slotUs) - 1_000_000);
    const stage = received + 1_000 + seed.int(400_000);
    lines.push(JSON.stringify(toEvent(received, stage, seed)));
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

function toEvent(receivedUs: number, stageUs: number, seed: SampleSeed) {
  const action = seed.pick(ACTIONS);
  const username = seed.pick(USERS);
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: seed.uuid(),
    stage: 'ResponseComplete',
    requestURI: toRequestUri(action),
    verb: action.verb,
    user: {
      username,
      groups: username.startsWith('system:serviceaccount:')
        ? ['system:serviceaccounts', 'system:authenticated']
        : ['sample-operators', 'system:authenticated'],
    },
    sourceIPs: [seed.pick(SOURCE_IPS)],
    userAgent: 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350',
    objectRef: {
      resource: action.resource,
      namespace: SAMPLE_NAMESPACE,
      ...(action.name ? { name: action.name } : {}),
      ...(action.apiGroup ? { apiGroup: action.apiGroup } : {}),
      apiVersion: 'v1',
    },
    responseStatus: { metadata: {}, code: action.code },
    requestReceivedTimestamp: toMicros(receivedUs),
    stageTimestamp: toMicros(stageUs),
    annotations: {
      [SAMPLE_LABEL]: 'true',
      'authorization.k8s.io/decision': action.code === 403 ? 'forbid' : 'allow',
      'authorization.k8s.io/reason': 'sample RBAC binding',
    },
  };
}

function toRequestUri(action: Action): string {
  const base = action.apiGroup ? `/apis/${action.apiGroup}/v1` : '/api/v1';
  const collection = `${base}/namespaces/${SAMPLE_NAMESPACE}/${action.resource}`;
  return action.name ? `${collection}/${action.name}` : collection;
}
