import type { Job } from '../api/types';
import { CopyButton } from './CopyButton';

/**
 * The commands that check this one bundle with standard tools, as
 * docs/verification.md explains them. The token is written as $DP_TOKEN,
 * never filled in.
 */
export function commandsFor(job: Job, origin: string): string {
  const bundle = job.bundle;
  if (!bundle) return '';
  const fingerprint = bundle.keyId.replace(/^sha256:/, '');
  const download = bundle.downloadUrl ?? `/jobs/${job.jobId}/bundle`;
  return [
    `# 1. Download (or use the Download button and save it as bundle.zip)`,
    `curl -fsS -H "Authorization: Bearer $DP_TOKEN" -o bundle.zip ${origin}${download}`,
    `# 2. The ZIP is the one this export made`,
    `echo "${bundle.sha512}  bundle.zip" | sha512sum -c`,
    `# 3. Every file matches the signed checksum index`,
    `unzip -q bundle.zip -d bundle && cd bundle`,
    `sha512sum -c SHA512SUMS`,
    `# 4. The index is signed: must print "Verified OK"`,
    `base64 -d SHA512SUMS.sig > SHA512SUMS.sig.der && openssl dgst -sha256 -verify cosign.pub -signature SHA512SUMS.sig.der SHA512SUMS`,
    `# 5. By the key you expect: must print ${fingerprint}`,
    `openssl pkey -pubin -in cosign.pub -outform DER | openssl dgst -sha256`,
    `# Or all of it at once, with the published key list`,
    `curl -fsS -o signing-keys.json ${origin}/signing-keys && cd ..`,
    `disclosure-packager verify bundle.zip --trusted-keys signing-keys.json --tenant ${job.tenantId} --window ${job.dateRange.from}/${job.dateRange.to}`,
  ].join('\n');
}

export function VerifyCommands(props: { job: Job }) {
  const text = commandsFor(props.job, location.origin);
  return (
    <details className="panel how-to-verify">
      <summary>How to verify this bundle</summary>
      <p>
        Run these in a terminal with <code>curl</code>, <code>unzip</code>, GNU
        coreutils and OpenSSL; no other network access is needed. Set{' '}
        <code>DP_TOKEN</code> to your API token first. Or drop the file on the{' '}
        Verify page of this app.
      </p>
      <pre className="commands" tabIndex={0} aria-label="Verification commands">
        <code>{text}</code>
      </pre>
      <CopyButton value={text} label="Copy commands" />
    </details>
  );
}
