import { sha512 } from '@noble/hashes/sha2.js';
import { trustedKeyFor } from './trust';
import type {
  BundleFacts,
  CheckResult,
  CheckStatus,
  Verdict,
  VerifyMessage,
  VerifyRequest,
} from './checks';
import { base64ToBytes, pemToDer, toHex, verifyEcdsa } from './signature';
import {
  openEntry,
  readEntries,
  readEntry,
  ZipError,
  type ZipEntry,
} from './zip';

const INDEX = 'SHA512SUMS';
const SIGNATURE = 'SHA512SUMS.sig';
const PUBLIC_KEY = 'cosign.pub';
const MANIFEST = 'manifest.json';
const UNINDEXED = new Set([INDEX, SIGNATURE, 'SHA512SUMS.sigstore.json']);
const LINE = /^([0-9a-f]{128}) [ *](.+)$/;

type Report = (message: VerifyMessage) => void;

/**
 * Verifies a bundle entirely in this browser: reads the ZIP from the
 * Blob piece by piece, hashes every file as it streams, and checks the
 * signature of the index with WebCrypto. Each check is reported as soon
 * as it is decided. Nothing leaves the machine.
 */
export async function verifyBundleBlob(request: VerifyRequest, report: Report) {
  const started = performance.now();
  const results: CheckResult[] = [];
  const decide = (result: CheckResult) => {
    results.push(result);
    report({ type: 'check', result });
  };
  const facts: BundleFacts = {
    tenant: null,
    window: null,
    keyId: null,
    files: 0,
    bytes: 0,
  };
  await runChecks(request, facts, decide, report);
  report({
    type: 'done',
    facts,
    verdict: verdictOf(results),
    elapsedMs: Math.round(performance.now() - started),
  });
}

async function runChecks(
  request: VerifyRequest,
  facts: BundleFacts,
  decide: (result: CheckResult) => void,
  report: Report,
) {
  const { zip } = request;
  let entries: ZipEntry[];
  try {
    entries = (await readEntries(zip)).filter((e) => !e.name.endsWith('/'));
  } catch (error) {
    decide({ id: 'zip', status: 'fail', detail: messageOf(error) });
    return skipRest(['index', 'files', 'coverage', 'signature', 'key'], decide);
  }
  decide({ id: 'zip', status: 'pass', detail: `${entries.length} files` });
  const byName = new Map(entries.map((e) => [e.name, e]));

  const index = await readIndex(zip, byName.get(INDEX));
  decide(index.result);
  if (!index.lines) {
    return skipRest(['files', 'coverage', 'signature', 'key'], decide);
  }

  await checkFiles(zip, byName, index.lines, facts, decide, report);
  checkCoverage(entries, index.lines, decide);
  await readManifest(zip, byName.get(MANIFEST), facts);
  const bundleKey = await readText(zip, byName.get(PUBLIC_KEY));
  await checkSignature(
    zip,
    byName,
    index.bytes,
    bundleKey,
    request,
    facts,
    decide,
  );
}

function verdictOf(results: CheckResult[]): Verdict {
  if (results.every((r) => r.status === 'pass')) return 'verified';
  return results.some((r) => r.status === 'fail' || r.status === 'skip')
    ? 'failed'
    : 'intact';
}

function skipRest(ids: CheckResult['id'][], decide: (r: CheckResult) => void) {
  for (const id of ids) {
    decide({
      id,
      status: 'skip',
      detail: 'not checked: an earlier check failed',
    });
  }
}

async function readIndex(zip: Blob, entry: ZipEntry | undefined) {
  if (!entry) {
    return {
      result: {
        id: 'index',
        status: 'fail',
        detail: `the bundle has no ${INDEX}`,
      } as CheckResult,
      lines: null,
      bytes: null,
    };
  }
  const bytes = await readEntry(zip, entry);
  const text = new TextDecoder().decode(bytes);
  const lines = new Map<string, string>();
  const bad: number[] = [];
  text
    .split('\n')
    .filter((line, i, all) => line !== '' || i < all.length - 1)
    .forEach((line, i) => {
      const match = LINE.exec(line);
      if (!match?.[1] || !match[2] || lines.has(match[2])) bad.push(i + 1);
      else lines.set(match[2], match[1]);
    });
  if (bad.length > 0 || lines.size === 0) {
    return {
      result: {
        id: 'index',
        status: 'fail',
        detail:
          lines.size === 0
            ? 'the index is empty'
            : `malformed lines: ${bad.join(', ')}`,
      } as CheckResult,
      lines: null,
      bytes: null,
    };
  }
  return {
    result: {
      id: 'index',
      status: 'pass',
      detail: `${lines.size} files listed`,
    } as CheckResult,
    lines,
    bytes,
  };
}

async function checkFiles(
  zip: Blob,
  byName: Map<string, ZipEntry>,
  lines: Map<string, string>,
  facts: BundleFacts,
  decide: (result: CheckResult) => void,
  report: Report,
) {
  const listed = [...lines.keys()].flatMap((name) => {
    const entry = byName.get(name);
    return entry ? [entry] : [];
  });
  const total = listed.reduce((sum, e) => sum + e.size, 0);
  const mismatched: string[] = [];
  let done = 0;
  let lastReport = 0;
  for (const entry of listed) {
    const hash = sha512.create();
    try {
      const reader = (await openEntry(zip, entry)).getReader();
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        hash.update(value);
        done += value.byteLength;
        if (done - lastReport > 4_000_000) {
          lastReport = done;
          report({ type: 'progress', done, total });
        }
      }
    } catch (error) {
      mismatched.push(`${entry.name} (${messageOf(error)})`);
      continue;
    }
    if (toHex(hash.digest()) !== lines.get(entry.name))
      mismatched.push(entry.name);
  }
  report({ type: 'progress', done: total, total });
  facts.files = listed.length;
  facts.bytes = total;
  decide(
    mismatched.length === 0
      ? {
          id: 'files',
          status: 'pass',
          detail: `${listed.length} files, ${total.toLocaleString('en')} bytes hashed`,
        }
      : {
          id: 'files',
          status: 'fail',
          detail: `changed since signing: ${mismatched.join(', ')}`,
        },
  );
}

function checkCoverage(
  entries: ZipEntry[],
  lines: Map<string, string>,
  decide: (result: CheckResult) => void,
) {
  const names = new Set(entries.map((e) => e.name));
  const missing = [...lines.keys()].filter((n) => !names.has(n));
  const extra = [...names].filter((n) => !lines.has(n) && !UNINDEXED.has(n));
  const problems = [
    ...(missing.length ? [`listed but absent: ${missing.join(', ')}`] : []),
    ...(extra.length ? [`present but not listed: ${extra.join(', ')}`] : []),
  ];
  decide(
    problems.length === 0
      ? {
          id: 'coverage',
          status: 'pass',
          detail: 'the index and the ZIP agree',
        }
      : { id: 'coverage', status: 'fail', detail: problems.join('; ') },
  );
}

async function readManifest(
  zip: Blob,
  entry: ZipEntry | undefined,
  facts: BundleFacts,
) {
  const text = await readText(zip, entry);
  if (!text) return;
  try {
    const manifest = JSON.parse(text) as {
      tenant?: { id?: string };
      window?: { from: string; to: string };
    };
    facts.tenant = manifest.tenant?.id ?? null;
    facts.window = manifest.window ?? null;
  } catch {
    // An unreadable manifest already fails the files check, if it was
    // changed; an unsigned one fails coverage.
  }
}

async function readText(zip: Blob, entry: ZipEntry | undefined) {
  return entry ? new TextDecoder().decode(await readEntry(zip, entry)) : null;
}

async function checkSignature(
  zip: Blob,
  byName: Map<string, ZipEntry>,
  indexBytes: Uint8Array,
  bundleKeyPem: string | null,
  request: VerifyRequest,
  facts: BundleFacts,
  decide: (result: CheckResult) => void,
) {
  const signatureText = await readText(zip, byName.get(SIGNATURE));
  if (!signatureText || !bundleKeyPem) {
    decide({
      id: 'signature',
      status: 'fail',
      detail: `the bundle lacks ${signatureText ? PUBLIC_KEY : SIGNATURE}`,
    });
    return skipRest(['key'], decide);
  }
  const trust = await trustedKeyFor(bundleKeyPem, request.key);
  facts.keyId = trust.bundleKeyId;
  const spki = trust.pem ? pemToDer(trust.pem) : pemToDer(bundleKeyPem);
  decide(await signatureResult(spki, signatureText, indexBytes, trust.pem));
  decide(trust.result);
}

async function signatureResult(
  spki: Uint8Array,
  signatureText: string,
  indexBytes: Uint8Array,
  trustedPem: string | null,
): Promise<CheckResult> {
  const result = (status: CheckStatus, detail: string): CheckResult => ({
    id: 'signature',
    status,
    detail,
  });
  let valid: boolean | null;
  try {
    valid = await verifyEcdsa(spki, base64ToBytes(signatureText), indexBytes);
  } catch (error) {
    return result('fail', `the signature cannot be read: ${messageOf(error)}`);
  }
  if (valid === null) {
    return result(
      'skip',
      'the key is not ECDSA P-256 or P-384; check it with the CLI',
    );
  }
  const key = trustedPem ? 'your key' : "the bundle's own cosign.pub";
  return valid
    ? result('pass', `ECDSA signature verified with ${key}`)
    : result('fail', 'the signature does not match the checksum index and key');
}

function messageOf(error: unknown): string {
  if (error instanceof ZipError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
