import type { AssembleProgress } from './source.js';

// Report at most once per MiB of content, plus after every entry: enough
// for a progress bar, few enough calls for a job that saves each one.
const REPORT_EVERY_BYTES = 1024 * 1024;

/** Counts entries and content bytes and reports them to a callback. */
export class ProgressMeter {
  readonly #report: ((p: AssembleProgress) => void) | undefined;
  #entries = 0;
  #bytes = 0;
  #reportedBytes = 0;

  constructor(report?: (progress: AssembleProgress) => void) {
    this.#report = report;
  }

  addBytes(bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes - this.#reportedBytes >= REPORT_EVERY_BYTES) this.#emit();
  }

  addEntry(): void {
    this.#entries += 1;
    this.#emit();
  }

  #emit(): void {
    this.#reportedBytes = this.#bytes;
    this.#report?.({
      entriesWritten: this.#entries,
      bytesWritten: this.#bytes,
    });
  }
}
