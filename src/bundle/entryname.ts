import type { Problem } from './problems.js';

// APPNOTE 4.4.4: general purpose bit 11 (the "language encoding flag")
// says the name is UTF-8; without it the name is IBM code page 437.
const UTF8_FLAG = 1 << 11;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Decodes an entry name and refuses any that could escape or confuse the
 * folder it is extracted into (the "zip slip" family): absolute paths,
 * drive letters, backslashes, `.` or `..` segments, empty segments and
 * control characters. APPNOTE 4.4.17.1 requires forward slashes and
 * relative paths, so a conforming bundle never trips these checks.
 */
export function validateEntryName(
  raw: Buffer,
  flags: number,
): { path: string } | { problem: Problem } {
  const path = decodeName(raw, flags);
  if (path === null) {
    return unsafe(
      raw.toString('latin1'),
      'the name is not UTF-8, or has non-ASCII bytes without the UTF-8 flag',
    );
  }
  const reason = unsafeReason(path);
  return reason === null ? { path } : unsafe(path, reason);
}

function decodeName(raw: Buffer, flags: number): string | null {
  if ((flags & UTF8_FLAG) === 0 && raw.some((byte) => byte > 0x7f)) {
    return null;
  }
  try {
    return utf8.decode(raw);
  } catch {
    return null;
  }
}

function unsafeReason(path: string): string | null {
  if (path === '') return 'the name is empty';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    return 'the name is an absolute path';
  }
  if (path.includes('\\')) return 'the name contains a backslash';
  if (CONTROL.test(path)) return 'the name contains a control character';
  // A trailing slash marks a directory entry; its last segment is empty.
  const segments = path.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..' || s === '.')) {
    return 'the name contains a "." or ".." segment';
  }
  if (segments.some((s) => s === '')) return 'the name has an empty segment';
  return null;
}

function unsafe(path: string, message: string): { problem: Problem } {
  return { problem: { code: 'unsafe-path', path, message } };
}
