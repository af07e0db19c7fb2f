/// <reference lib="webworker" />
import type { VerifyRequest } from './checks';
import { verifyBundleBlob } from './bundle';

// The page posts one request per worker; hashing runs here so that the
// page stays responsive on bundles of hundreds of megabytes.
self.onmessage = (event: MessageEvent<VerifyRequest>) => {
  verifyBundleBlob(event.data, (message) => self.postMessage(message)).catch(
    (error: unknown) =>
      self.postMessage({
        type: 'error',
        message: error instanceof Error ? error.message : String(error),
      }),
  );
};
