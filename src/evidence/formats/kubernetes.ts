import { createHash } from 'node:crypto';
import {
  isObject,
  toText,
  toTime,
  type JsonObject,
  type ParsedAuditEvent,
} from './shared.js';

/**
 * True for a Kubernetes audit Event (audit.k8s.io v1 or v1beta1). Some
 * exporters drop apiVersion, so kind plus auditID is what decides; core
 * Events (apiVersion v1) have no auditID and are not audit events.
 */
export function isKubernetesEvent(value: JsonObject): boolean {
  const api = value.apiVersion;
  return (
    value.kind === 'Event' &&
    typeof value.auditID === 'string' &&
    (api === undefined ||
      (typeof api === 'string' && api.startsWith('audit.k8s.io/')))
  );
}

/** True for an audit EventList, as `kubectl get -o json` would wrap it. */
export function isKubernetesEventList(value: JsonObject): boolean {
  return value.kind === 'EventList' && Array.isArray(value.items);
}

/**
 * Reads one audit Event. Its time is when the API server received the
 * request (requestReceivedTimestamp, or `timestamp` in old v1beta1
 * records), so every stage of one request shares a time. One request
 * logs an event per stage under the same auditID, so the id is the
 * auditID and the stage together: both stages are kept, neither
 * overwrites the other.
 */
export function readKubernetesEvent(
  event: JsonObject,
  original: string,
): ParsedAuditEvent | string {
  const time = toTime(
    event.requestReceivedTimestamp ?? event.timestamp ?? event.stageTimestamp,
  );
  if (!time) {
    return 'no valid requestReceivedTimestamp (RFC 3339, a real date, 1970–9999)';
  }
  const auditId = toText(event.auditID);
  const stage = toText(event.stage);
  const user = isObject(event.user) ? event.user : {};
  return {
    eventTime: time,
    id: auditId
      ? [auditId, stage].filter(Boolean).join('/')
      : createHash('sha256').update(original).digest('hex'),
    actor: toText(user.username),
    action: toText(event.verb),
    resource: resourceOf(event),
    outcome: outcomeOf(event),
    original,
  };
}

// The object as an API path: namespaces/ns/pods/name/exec.
function resourceOf(event: JsonObject): string | null {
  const ref = isObject(event.objectRef) ? event.objectRef : null;
  if (!ref) return toText(event.requestURI);
  const namespace = toText(ref.namespace);
  const parts = [
    ...(namespace ? ['namespaces', namespace] : []),
    toText(ref.resource),
    toText(ref.name),
    toText(ref.subresource),
  ];
  return parts.filter(Boolean).join('/') || null;
}

function outcomeOf(event: JsonObject): string | null {
  const status = isObject(event.responseStatus) ? event.responseStatus : {};
  const code = Number(status.code);
  if (!Number.isInteger(code) || code === 0) return null;
  return code < 400 ? 'success' : `failure:${code}`;
}
