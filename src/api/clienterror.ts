import type { Socket } from 'node:net';
import { ERROR_CATALOG, type ErrorCode } from '../domain/index.js';
import { problemTypeOf } from './problem.js';

/**
 * Answers what Node's HTTP parser refuses before the app sees it (headers
 * or a URL too large, a malformed request, one that never finishes
 * arriving) with a problem document like every other error, instead of
 * Node's bare status line. For `server.on('clientError')`.
 */
export function answerClientError(error: Error, socket: Socket): void {
  if (!socket.writable || (error as { code?: string }).code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [code, detail] = problemOf(error);
  const entry = ERROR_CATALOG[code];
  const body = JSON.stringify({
    type: problemTypeOf(code),
    title: entry.title,
    status: entry.status,
    detail,
    code,
  });
  socket.end(
    `HTTP/1.1 ${entry.status} ${entry.title}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function problemOf(error: Error): [ErrorCode, string] {
  switch ((error as { code?: string }).code) {
    case 'HPE_HEADER_OVERFLOW':
      return [
        'DP_HEADERS_TOO_LARGE',
        'the request line and headers are larger than the server reads',
      ];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [
        'DP_REQUEST_TIMEOUT',
        'the request did not arrive in full in time',
      ];
    default:
      return [
        'DP_REQUEST_INVALID',
        'the request is not valid HTTP/1.1 (for example, both ' +
          'Content-Length and Transfer-Encoding, or a malformed header)',
      ];
  }
}
