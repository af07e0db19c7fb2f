/**
 * Names of the bundle's own files, at the root of the ZIP. Evidence lives
 * under one folder per artifact kind, so it can never collide with these.
 */
export const BUNDLE_FILES = Object.freeze({
  manifest: 'manifest.json',
  readme: 'README.txt',
  publicKey: 'cosign.pub',
  index: 'SHA512SUMS',
  signature: 'SHA512SUMS.sig',
  sigstoreBundle: 'SHA512SUMS.sigstore.json',
});

/** The files the checksum index cannot list: itself and its signatures. */
export const UNINDEXED_FILES: ReadonlySet<string> = new Set([
  BUNDLE_FILES.index,
  BUNDLE_FILES.signature,
  BUNDLE_FILES.sigstoreBundle,
]);

/** The bundle's own indexed files, which manifest.files does not describe. */
export const DESCRIPTIVE_FILES: ReadonlySet<string> = new Set([
  BUNDLE_FILES.manifest,
  BUNDLE_FILES.readme,
  BUNDLE_FILES.publicKey,
]);

/**
 * Every entry's last-modified time. yazl encodes it as an MS-DOS date and
 * time (ZIP APPNOTE 4.4.6) from the LOCAL calendar fields of the Date, so it
 * is built from local fields too: 1980-01-01 00:00, the DOS epoch, whatever
 * the process time zone.
 */
export function fixedEntryTime(): Date {
  return new Date(1980, 0, 1, 0, 0, 0);
}

/** Unix mode stored in every entry's external attributes: a 0644 file. */
export const ENTRY_MODE = 0o100644;
