import { BUNDLE_FILES } from './layout.js';

const { index, signature, sigstoreBundle, publicKey } = BUNDLE_FILES;

/** The four commands that verify a bundle with standard tools only. */
export const VERIFY_COMMANDS = Object.freeze([
  'unzip bundle.zip -d bundle && cd bundle',
  `sha512sum -c ${index}`,
  `base64 -d ${signature} > ${signature}.der && ` +
    `openssl dgst -sha256 -verify ${publicKey} ` +
    `-signature ${signature}.der ${index}`,
  `openssl pkey -pubin -in ${publicKey} -outform DER | openssl dgst -sha256`,
]);

/** cosign's equivalent of command 3, from the .sig or the Sigstore bundle. */
export const COSIGN_COMMANDS = Object.freeze({
  signature:
    `cosign verify-blob --key ${publicKey} --signature ${signature} ` +
    `--insecure-ignore-tlog=true ${index}`,
  bundle:
    `cosign verify-blob --key ${publicKey} --bundle ${sigstoreBundle} ` +
    `--insecure-ignore-tlog=true ${index}`,
});

/**
 * README.txt: a fixed text, the same in every bundle, so that it never
 * varies with the job and customers can diff it against the docs.
 */
export function toReadme(): Buffer {
  const lines = [
    'DISCLOSURE BUNDLE: HOW TO VERIFY IT',
    '',
    'Verify this bundle before relying on it. You need unzip, GNU coreutils',
    'and OpenSSL; no network access. Run, from the folder holding the ZIP',
    '(called bundle.zip here):',
    '',
    ...VERIFY_COMMANDS.map((command, i) => `  ${i + 1}. ${command}`),
    '',
    `Step 2 must print "OK" for every file listed in ${index}.`,
    'Step 3 must print "Verified OK".',
    'Step 4 prints the SHA-256 fingerprint of the signing key. It must',
    'equal the fingerprint your provider published (for example on its',
    `web site), and signing.keyId in manifest.json. ${publicKey} travels`,
    'inside the bundle, so only a fingerprint obtained elsewhere proves',
    'who signed it.',
    '',
    `With cosign (v2 or v3) instead of step 3:`,
    '',
    `  ${COSIGN_COMMANDS.signature}`,
    '',
    `or with the Sigstore bundle (works offline from cosign v3.0.4; v2.4 to`,
    'v3.0.3 fetch a trusted root first or need --trusted-root; cosign',
    'before v2.4 cannot read it):',
    '',
    `  ${COSIGN_COMMANDS.bundle}`,
    '',
    'Or, where the packager is installed, from the folder holding the ZIP',
    '(not the one step 1 made) and with the public key your provider',
    'published (provider.pub here):',
    '',
    '  disclosure-packager verify bundle.zip --key provider.pub',
    '',
    'manifest.json describes every evidence file: its kind, format, size,',
    'SHA-512, item count, and what was missing or redacted.',
  ];
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}
