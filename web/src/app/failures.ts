/** What a failed job's error code means, and what to do about it. */
export interface FailureAdvice {
  what: string;
  next: string;
}

const ADVICE: Record<string, FailureAdvice> = {
  DP_BUNDLE_TOO_LARGE: {
    what: 'The bundle grew past the largest size this service allows.',
    next: 'Export a shorter window, or fewer kinds of evidence, in several exports.',
  },
  DP_SOURCE_UNAVAILABLE: {
    what: 'A source of evidence did not answer, even after retries.',
    next: 'Try again in a few minutes. If it fails again, tell your administrator which export failed.',
  },
  DP_STORAGE_UNAVAILABLE: {
    what: 'The bundle could not be stored.',
    next: 'Try again in a few minutes; your administrator may need to check the storage.',
  },
  DP_DATABASE_UNAVAILABLE: {
    what: 'The service lost its database while working on the export.',
    next: 'Try again; if it keeps failing, tell your administrator.',
  },
  DP_WORKER_LOST: {
    what: 'The worker running the export stopped answering.',
    next: 'Try again. Nothing partial was published.',
  },
  DP_JOB_TIMEOUT: {
    what: 'The export ran longer than this service allows.',
    next: 'Export a shorter window, or ask your administrator to raise the time limit.',
  },
  DP_KEY_UNAVAILABLE: {
    what: 'No signing key was available to sign the bundle.',
    next: 'Tell your administrator: the signing key needs attention.',
  },
  DP_EVIDENCE_CORRUPT: {
    what: 'Stored evidence no longer matches its checksum, so it was not exported.',
    next: 'Tell your administrator at once: this needs investigating.',
  },
  DP_JOB_CANCELLED: {
    what: 'The export was cancelled.',
    next: 'Start it again if you still need it.',
  },
};

const FALLBACK: FailureAdvice = {
  what: 'The export failed.',
  next: 'Try again. If it fails again, give your administrator the export id shown above.',
};

export function adviceFor(code: string | undefined): FailureAdvice {
  return (code && ADVICE[code]) || FALLBACK;
}
