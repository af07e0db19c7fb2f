import { stat } from 'node:fs/promises';
import path from 'node:path';
import { TagValueCondenser, XmlCondenser } from './condense.js';
import { detectEvidence, withTimeWarnings } from './detect.js';
import type { DetectOptions } from './formats/events.js';
import { detectJson } from './formats/json.js';
import type { Detection } from './formats/shared.js';
import { isSpdxTagValue } from './formats/spdx.js';
import {
  condenseFile,
  OUTLINED_FORMATS,
  outlineJsonFile,
  type Digest,
} from './outline.js';
import { readStart } from './sniff.js';

export type DocumentDetection = Extract<Detection, { type: 'document' }>;

/** A large document's detection, and the digest of the bytes it came from. */
export interface LargeDocument {
  detection: DocumentDetection;
  digest: Digest;
}

/**
 * Reads a large SBOM or scan report without holding it whole: JSON from
 * its outline (outline.ts), CycloneDX XML and SPDX tag-value condensed
 * (condense.ts). The detection is the one that reading the file whole
 * gives. Null when the file is none of these, or anything the streaming
 * readers cannot decide: the caller then reads it whole. Never throws.
 */
export async function readLargeDocument(
  file: string,
  options: DetectOptions = {},
): Promise<LargeDocument | null> {
  try {
    const head = (await readStart(file)).toString('utf8');
    const start = head.replace(/^\uFEFF/, '').trimStart();
    if (start.startsWith('{')) return await fromOutline(file, options);
    if (start.startsWith('<')) {
      return await condensed(file, new XmlCondenser(), 'cyclonedx-xml');
    }
    if (isSpdxTagValue(start)) {
      return await condensed(file, new TagValueCondenser(), 'spdx-tag-value');
    }
    return null;
  } catch {
    return null;
  }
}

/** True when a file is large enough to be read by readLargeDocument. */
export async function isLarge(file: string, from: number): Promise<boolean> {
  try {
    const info = await stat(file);
    return info.isFile() && info.size >= from;
  } catch {
    return false;
  }
}

async function fromOutline(
  file: string,
  options: DetectOptions,
): Promise<LargeDocument | null> {
  const outline = await outlineJsonFile(file);
  if (!outline) return null;
  const detection = detectOutlined(outline.value, options);
  const { sha512, size } = outline;
  return detection ? { detection, digest: { sha512, size } } : null;
}

/**
 * The detection of a document read from its outline, when it is of a
 * format whose reader takes an outline; else null. Never throws.
 */
export function detectOutlined(
  outline: unknown,
  options: DetectOptions = {},
): DocumentDetection | null {
  try {
    // The outline keeps no text: only a document can be read from it.
    const detection = withTimeWarnings(detectJson(outline, '', options));
    return detection.type === 'document' &&
      OUTLINED_FORMATS.has(detection.format)
      ? detection
      : null;
  } catch {
    return null;
  }
}

async function condensed(
  file: string,
  condenser: XmlCondenser | TagValueCondenser,
  format: string,
): Promise<LargeDocument | null> {
  const result = await condenseFile(file, condenser);
  if (!result) return null;
  const detection = detectEvidence(path.basename(file), result.text);
  if (detection.type !== 'document' || detection.format !== format) {
    return null;
  }
  const { sha512, size } = result;
  return { detection, digest: { sha512, size } };
}
