import type { ArtifactKind } from '../domain/index.js';

// Longest base name in UTF-8 bytes: room under the common 255-byte file
// name limit of file systems for a " (NNN)" suffix added on collisions.
const MAX_NAME_BYTES = 180;
const MAX_EXTENSION_CHARS = 16;

// C0 and C1 controls, DEL, and characters Windows refuses in file names.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f<>:"|?*]/g;
// Device names Windows reserves whatever the extension.
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

/**
 * Turns a name from the outside world into a safe, portable base name:
 * Unicode NFC, no directories, no control characters, no leading dots (so
 * no hidden files and no `..`), no trailing dots or spaces, bounded length.
 */
export function toSafeName(preferred: string): string {
  const base = preferred.normalize('NFC').split(/[/\\]/).pop() ?? '';
  let name = base
    .replace(UNSAFE_CHARS, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`;
  if (name === '') name = 'file';
  return truncateName(name);
}

/** Splits "name.ext" into its stem and extension (with the dot). */
export function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > MAX_EXTENSION_CHARS) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

function truncateName(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_NAME_BYTES) return name;
  const [stem, ext] = splitExtension(name);
  let budget = MAX_NAME_BYTES - Buffer.byteLength(ext, 'utf8');
  let kept = '';
  // Iterate by code point so a surrogate pair is never split.
  for (const char of stem) {
    budget -= Buffer.byteLength(char, 'utf8');
    if (budget < 0) break;
    kept += char;
  }
  return kept + ext;
}

/**
 * Gives each evidence file its entry path, `<kind>/<safe name>`, resolving
 * collisions in the order names are asked for: the second `a.json` becomes
 * `a (2).json`. Comparison ignores case, so the bundle also unpacks on
 * case-insensitive file systems (macOS, Windows).
 */
export class EntryNamer {
  readonly #taken = new Set<string>();

  pathFor(kind: ArtifactKind, preferredName: string): string {
    const name = toSafeName(preferredName);
    const [stem, ext] = splitExtension(name);
    let candidate = `${kind}/${name}`;
    for (let n = 2; this.#taken.has(foldCase(candidate)); n += 1) {
      candidate = `${kind}/${stem} (${n})${ext}`;
    }
    this.#taken.add(foldCase(candidate));
    return candidate;
  }
}

function foldCase(path: string): string {
  return path.toLowerCase();
}
