import {
  isObject,
  toList,
  toObjects,
  toText,
  pickTime,
  toTime,
  type DocumentFacts,
  type JsonObject,
} from './shared.js';
import { countOnly, keepOnly, type Outline } from './outline.js';

const KNOWN_VERSIONS = ['SPDX-2.0', 'SPDX-2.1', 'SPDX-2.2', 'SPDX-2.3'];

/** True for an SPDX 2.x JSON document (spdxVersion is required). */
export function isSpdxJson(value: JsonObject): boolean {
  return typeof value.spdxVersion === 'string' && 'SPDXID' in value;
}

/** Reads an SPDX 2.x JSON document; its time is creationInfo.created. */
export function readSpdxJson(doc: JsonObject): DocumentFacts {
  const version = String(doc.spdxVersion);
  const info = isObject(doc.creationInfo) ? doc.creationInfo : {};
  return {
    kind: 'sboms',
    format: 'spdx-json',
    specVersion: version.replace(/^SPDX-/, ''),
    mediaType: 'application/spdx+json',
    ...pickTime([toTime(info.created), 'creationInfo.created']),
    metadata: {
      name: toText(doc.name),
      documentNamespace: toText(doc.documentNamespace),
      creators: toList(info.creators).filter((c) => typeof c === 'string'),
      packageCount: toList(doc.packages).length,
      fileCount: toList(doc.files).length,
    },
    warnings: spdxWarnings(version, info.created),
  };
}

function spdxWarnings(version: string, created: unknown): string[] {
  const warnings: string[] = [];
  if (!KNOWN_VERSIONS.includes(version)) {
    warnings.push(`unknown SPDX version ${JSON.stringify(version)}`);
  }
  if (toTime(created) === null) {
    warnings.push('creationInfo.created is missing or not RFC 3339');
  }
  return warnings;
}

/**
 * SPDX 2 packages and files are only counted; relationships, snippets
 * and annotations are not read. In SPDX 3, only the graph's creation
 * info and named elements are read.
 */
export const SPDX_OUTLINE: Outline = {
  formats: ['spdx-json', 'spdx3-jsonld'],
  rules: {
    'packages.*': countOnly,
    'files.*': countOnly,
    'snippets.*': countOnly,
    'relationships.*': countOnly,
    'annotations.*': countOnly,
    '@graph.*': keepOnly(
      'type',
      'spdxId',
      'name',
      'specVersion',
      'created',
      'createdBy',
    ),
  },
};

/** True when the text is an SPDX tag-value document. */
export function isSpdxTagValue(text: string): boolean {
  return /^SPDXVersion:\s*SPDX-\d/m.test(text.slice(0, 4096));
}

/**
 * Reads an SPDX tag-value document. Only the document-level tags are
 * read; packages are counted by their PackageName tags (SPDX 2.3 §7.1).
 */
export function readSpdxTagValue(whole: string): DocumentFacts {
  // A multi-line <text> value may hold lines that look like tags.
  const text = linesOutsideText(whole);
  const version = firstTag(text, 'SPDXVersion') ?? '';
  const created = firstTag(text, 'Created');
  return {
    kind: 'sboms',
    format: 'spdx-tag-value',
    specVersion: version.replace(/^SPDX-/, '') || null,
    mediaType: 'text/spdx',
    ...pickTime([toTime(created), 'Created:']),
    metadata: {
      name: firstTag(text, 'DocumentName'),
      documentNamespace: firstTag(text, 'DocumentNamespace'),
      creators: allTags(text, 'Creator'),
      packageCount: allTags(text, 'PackageName').length,
      fileCount: allTags(text, 'FileName').length,
    },
    warnings: spdxWarnings(version, created),
  };
}

/** Where a regular expression's ^ and $ see a line end. */
export const TAG_VALUE_LINE_END = /[\n\r\u2028\u2029]/;

/**
 * Whether a line leaves a tag-value document inside a multi-line
 * `<text>...</text>` value (SPDX 2.3 §5), given whether it starts inside
 * one.
 */
export function insideTextAfter(line: string, inside: boolean): boolean {
  let state = inside;
  for (const match of line.matchAll(/<\/?text>/g)) {
    state = match[0] === '<text>';
  }
  return state;
}

/** The lines of tag-value text that do not start inside a <text> value. */
function linesOutsideText(text: string): string {
  const kept: string[] = [];
  let inside = false;
  for (const line of text.split(TAG_VALUE_LINE_END)) {
    if (!inside) kept.push(line);
    inside = insideTextAfter(line, inside);
  }
  return kept.join('\n');
}

function allTags(text: string, tag: string): string[] {
  const pattern = new RegExp(`^${tag}:[ \\t]*(.*?)\\s*$`, 'gm');
  return [...text.matchAll(pattern)].map((m) => m[1] ?? '');
}

function firstTag(text: string, tag: string): string | null {
  return allTags(text, tag)[0] ?? null;
}

/** True for an SPDX 3 JSON-LD document (its @context names spdx.org). */
export function isSpdx3(value: JsonObject): boolean {
  const context = JSON.stringify(value['@context'] ?? '');
  return /spdx\.org\/rdf\/3\./.test(context) && Array.isArray(value['@graph']);
}

/** Reads SPDX 3 JSON-LD: version and time come from its CreationInfo. */
export function readSpdx3(doc: JsonObject): DocumentFacts {
  const graph = toObjects(doc['@graph']);
  const info = graph.find((node) => node.type === 'CreationInfo') ?? {};
  const count = (type: string) => graph.filter((n) => n.type === type).length;
  const document = graph.find((node) => node.type === 'SpdxDocument');
  // createdBy holds the ids of Person, Organization or Tool elements.
  const nameOf = (id: unknown) =>
    toText(graph.find((node) => node.spdxId === id)?.name) ?? id;
  return {
    kind: 'sboms',
    format: 'spdx3-jsonld',
    specVersion: toText(info.specVersion),
    mediaType: 'application/spdx+json',
    ...pickTime([toTime(info.created), '@graph CreationInfo created']),
    metadata: {
      name: toText(document?.name),
      // SPDX 3 has no document namespace; the document's IRI names it.
      documentId: toText(document?.spdxId),
      elementCount: graph.length,
      packageCount: count('software_Package'),
      fileCount: count('software_File'),
      creators: toList(info.createdBy).map(nameOf),
    },
    warnings:
      toTime(info.created) === null
        ? ['CreationInfo.created is missing or not RFC 3339']
        : [],
  };
}
