import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { ObjectStore } from '../storage/index.js';

/**
 * Lets yauzl read a ZIP straight from the object store with ranged reads,
 * so a bundle is never copied to local disk or held in memory to be read.
 */
class ObjectReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly objects: ObjectStore,
    private readonly key: string,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    if (end <= start) {
      out.end();
      return out;
    }
    this.objects
      .get(this.key, { start, end: end - 1 })
      .then((stream) => pipeline(stream, out))
      .catch((error: unknown) => out.destroy(error as Error));
    return out;
  }
}

/** Opens the ZIP stored under `key`; entries are read one at a time. */
export async function openStoredZip(
  objects: ObjectStore,
  key: string,
): Promise<ZipFile> {
  const info = await objects.head(key);
  if (!info) throw new Error(`no object at ${key}`);
  return yauzl.fromRandomAccessReaderPromise(
    new ObjectReader(objects, key),
    info.size,
    { lazyEntries: true, autoClose: false, validateEntrySizes: true },
  );
}

/** Every entry of an open ZIP, in order, with a way to read it. */
export async function* zipEntries(
  zip: ZipFile,
): AsyncGenerator<{ entry: Entry; open: () => Promise<Readable> }> {
  for (;;) {
    const entry = await new Promise<Entry | null>((resolve, reject) => {
      const onEntry = (e: Entry) => done(e);
      const onEnd = () => done(null);
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      const done = (e: Entry | null) => {
        cleanup();
        resolve(e);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (entry === null) return;
    yield { entry, open: () => zip.openReadStreamPromise(entry) };
  }
}
