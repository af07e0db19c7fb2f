import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The prefix Standard Webhooks gives a base64 signing secret. */
const SECRET_PREFIX = 'whsec_';

/**
 * A new endpoint secret: 32 random bytes, base64, with the `whsec_`
 * prefix that Standard Webhooks libraries expect (spec §"Signature
 * scheme": secrets of 24 to 64 bytes).
 */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** A new event id, the `webhook-id` header: `msg_` and 32 hex digits. */
export function newMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

/**
 * The three Standard Webhooks headers for one attempt. The id and body
 * are the event's own, the same on every attempt; the timestamp is the
 * attempt's, so that receivers can refuse stale replays of a capture.
 * Every secret given signs; during a rotation both the new and the old
 * one do, space-separated, and receivers accept either.
 */
export function signatureHeaders(
  messageId: string,
  body: string,
  secrets: readonly string[],
  at = new Date(),
): Record<string, string> {
  const signatures = secrets.map((secret) =>
    new Webhook(secret).sign(messageId, at, body),
  );
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
