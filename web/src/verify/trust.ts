import type { CheckResult, CheckStatus, VerifyRequest } from './checks';
import { keyIdOf, pemToDer } from './signature';

/** Which key to check the signature with, and the key check's result. */
export interface Trust {
  bundleKeyId: string;
  /** The trusted key to check with, when the user gave one that applies. */
  pem: string | null;
  result: CheckResult;
}

interface ListedKey {
  keyId: string;
  status: string;
  publicKeyPem: string;
  revocationReason?: string | null;
}

function trust(
  bundleKeyId: string,
  pem: string | null,
  status: CheckStatus,
  detail: string,
): Trust {
  return { bundleKeyId, pem, result: { id: 'key', status, detail } };
}

/**
 * Decides which key to trust: the one the user dropped, the published key
 * list's entry for the bundle's key, or (with neither) only the bundle's
 * own cosign.pub, which proves integrity but not who signed.
 */
export async function trustedKeyFor(
  bundleKeyPem: string,
  given: VerifyRequest['key'],
): Promise<Trust> {
  const bundleKeyId = await keyIdOf(pemToDer(bundleKeyPem));
  if (!given) {
    return trust(
      bundleKeyId,
      null,
      'warn',
      `signed by ${bundleKeyId}, the key inside the bundle. Add your ` +
        "provider's public key or key list to prove who signed it.",
    );
  }
  if (given.text.trimStart().startsWith('{')) {
    return fromKeyList(bundleKeyId, given);
  }
  let givenId: string;
  try {
    givenId = await keyIdOf(pemToDer(given.text));
  } catch (error) {
    return trust(bundleKeyId, null, 'fail', `${given.name}: ${String(error)}`);
  }
  return givenId === bundleKeyId
    ? trust(bundleKeyId, given.text, 'pass', `signed by your key ${givenId}`)
    : trust(
        bundleKeyId,
        given.text,
        'fail',
        `the bundle names key ${bundleKeyId}, not your key ${givenId}`,
      );
}

/** The bundle's key as the published key list (GET /signing-keys) has it. */
function fromKeyList(
  bundleKeyId: string,
  given: { name: string; text: string },
): Trust {
  let keys: ListedKey[] | undefined;
  try {
    keys = (JSON.parse(given.text) as { keys?: ListedKey[] }).keys;
  } catch {
    return trust(bundleKeyId, null, 'fail', `${given.name} is not JSON`);
  }
  const key = keys?.find((k) => k.keyId === bundleKeyId);
  if (!key) {
    return trust(
      bundleKeyId,
      null,
      'fail',
      `${bundleKeyId} is not in the published key list ${given.name}`,
    );
  }
  if (key.status === 'revoked') {
    const reason = key.revocationReason ? `: ${key.revocationReason}` : '';
    return trust(
      bundleKeyId,
      key.publicKeyPem,
      'fail',
      `${bundleKeyId} was revoked${reason}`,
    );
  }
  return trust(
    bundleKeyId,
    key.publicKeyPem,
    'pass',
    `signed by ${bundleKeyId}, ${key.status} in the published key list ` +
      '(the CLI also checks its rotation statements)',
  );
}
