import type { Job } from '../api/types';
import { quoteArg } from '../app/shell';
import { CopyButton } from './CopyButton';

/**
 * The commands that check this one bundle with standard tools, as
 * docs/verification.md explains them. The token is written as $DP_TOKEN,
 * never filled in, and every URL is quoted, so that the block works pasted
 * into bash or zsh.
 */
export function commandsFor(
  job: Job,
  origin: string,
  mayDownload = true,
): string {
  const bundle = job.bundle;
  if (!bundle) return '';
  const fingerprint = bundle.keyId.replace(/^sha256:/, '');
  // The token route, never the job's signed link: that link expires within
  // minutes, and these commands must work whenever they are pasted.
  const download = `${origin}/jobs/${encodeURIComponent(job.jobId)}/bundle`;
  const window = `${job.dateRange.from}/${job.dateRange.to}`;
  return [
    mayDownload
      ? `# 1. Download (or use the Download button and save it as bundle.zip)`
      : `# 1. Download, with a token that holds the exporter role (yours does not)`,
    `curl -fsS -H "Authorization: Bearer $DP_TOKEN" -o bundle.zip ${quoteArg(download)}`,
    `# 2. The ZIP is the one this export made`,
    `echo "${bundle.sha512}  bundle.zip" | sha512sum -c`,
    `# 3. Every file matches the signed checksum index`,
    // -o: pasted a second time, unzip must not stop to ask, taking the
    // lines that follow for its answers.
    `unzip -o -q bundle.zip -d bundle && cd bundle`,
    `sha512sum -c SHA512SUMS`,
    `# 4. The index is signed: must print "Verified OK"`,
    `base64 -d SHA512SUMS.sig > SHA512SUMS.sig.der && openssl dgst -sha256 -verify cosign.pub -signature SHA512SUMS.sig.der SHA512SUMS`,
    `# 5. By the key you expect: must print ${fingerprint}`,
    `openssl pkey -pubin -in cosign.pub -outform DER | openssl dgst -sha256`,
    `# Or all of it at once, with the published key list and the packager's`,
    `# verify command. It is not installed on your PATH: set DP_CHECKOUT to a`,
    `# checkout of Disclosure Packager where "npm ci && npm run build" has run,`,
    `# and npx runs the command from there.`,
    `cd .. && curl -fsS -o signing-keys.json ${quoteArg(`${origin}/signing-keys`)}`,
    `npx --no --prefix "\${DP_CHECKOUT:?a checkout of Disclosure Packager}" disclosure-packager verify bundle.zip --trusted-keys signing-keys.json --tenant ${quoteArg(job.tenantId)} --window ${quoteArg(window)}`,
  ].join('\n');
}

export function VerifyCommands(props: { job: Job; mayDownload: boolean }) {
  const text = commandsFor(props.job, location.origin, props.mayDownload);
  return (
    <details className="panel how-to-verify">
      <summary>How to verify this bundle</summary>
      <p>
        Run these in a terminal (bash or zsh) with <code>curl</code>,{' '}
        <code>unzip</code>, GNU coreutils and OpenSSL; steps 2 to 5 need no
        network access. Set <code>DP_TOKEN</code> to an API token with the
        exporter role first. The last command also needs Node.js and a checkout
        of Disclosure Packager. Or drop the file on the Verify page of this app.
      </p>
      <pre className="commands" tabIndex={0} aria-label="Verification commands">
        <code>{text}</code>
      </pre>
      <CopyButton value={text} label="Copy commands" />
    </details>
  );
}
