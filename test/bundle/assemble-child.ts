/**
 * Assembles the sample bundle in a child process, so that a test can run it
 * under several TZ values: `tsx assemble-child.ts <zip> <key dir> <job id>`.
 */
import { loadOrCreateEmbeddedSigner } from '../../src/signing/index.js';
import { anAssembly, assembleToFile } from './builders.js';

async function main(): Promise<void> {
  const [zip, keyDir, jobId] = process.argv.slice(2);
  if (!zip || !keyDir || !jobId) throw new Error('usage: <zip> <dir> <job>');
  const { signer } = await loadOrCreateEmbeddedSigner({
    dir: keyDir,
    password: 'test password',
  });
  const options = anAssembly(signer, { compression: 'deflate' });
  await assembleToFile(zip, {
    ...options,
    job: { ...options.job, id: jobId, requestedBy: `${jobId}@example` },
  });
}

await main();
