import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/api.js';

describe('stopping the server', () => {
  it('does not wait for a client that stalls mid-body', async () => {
    const api = await startTestServer();
    const url = new URL(api.server.url);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const answers: string[] = [];
    socket.on('data', (chunk: Buffer) => answers.push(chunk.toString()));
    socket.on('error', () => undefined);
    const cut = new Promise<void>((resolve) => socket.once('close', resolve));
    // Announces 500 bytes, sends 7, and then nothing.
    socket.write(
      'POST /disclosures/export HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${api.tokens.acme}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"a":1',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await api.close();
    await cut;
    // Five seconds of grace for answers in flight, then the cut.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(answers).toEqual([]);
  }, 30_000);
});
