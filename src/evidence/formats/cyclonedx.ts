import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { bomRefWarnings, xmlBomRefWarnings } from './bomref.js';
import { keepOnly, pick, type Outline } from './outline.js';
import {
  isObject,
  tally,
  toList,
  toObjects,
  toText,
  pickTime,
  toTime,
  type DocumentFacts,
  type JsonObject,
} from './shared.js';

// The spec versions published so far; anything else is kept but warned on.
const KNOWN_VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '1.5', '1.6'];
const NAMESPACE = /^http:\/\/cyclonedx\.org\/schema\/bom\/(\d+\.\d+)$/;

/** True for a CycloneDX JSON BOM (the spec requires bomFormat). */
export function isCycloneDxJson(value: JsonObject): boolean {
  return value.bomFormat === 'CycloneDX';
}

/**
 * Reads a CycloneDX JSON BOM. A BOM that lists vulnerabilities but no
 * components or services is a standalone VEX, which we file with the
 * attestations (it states facts about other artifacts), not the SBOMs.
 */
export function readCycloneDxJson(bom: JsonObject): DocumentFacts {
  const specVersion = toText(bom.specVersion);
  const metadata = isObject(bom.metadata) ? bom.metadata : {};
  const primary = isObject(metadata.component) ? metadata.component : {};
  const vulnerabilities = toObjects(bom.vulnerabilities);
  const vex = isVex(bom);
  return {
    kind: vex ? 'attestations' : 'sboms',
    format: vex ? 'cyclonedx-vex' : 'cyclonedx-json',
    specVersion,
    mediaType: 'application/vnd.cyclonedx+json',
    ...pickTime([toTime(metadata.timestamp), 'metadata.timestamp']),
    metadata: {
      serialNumber: toText(bom.serialNumber),
      bomVersion: typeof bom.version === 'number' ? bom.version : null,
      componentCount: toList(bom.components).length,
      serviceCount: toList(bom.services).length,
      vulnerabilityCount: vulnerabilities.length,
      primaryComponent: primaryOf(primary),
      ...(vex ? { analysisStates: analysisStates(vulnerabilities) } : {}),
    },
    warnings: [
      ...versionWarnings(specVersion, metadata.timestamp),
      ...bomRefWarnings(bom),
    ],
  };
}

function isVex(bom: JsonObject): boolean {
  return (
    toList(bom.vulnerabilities).length > 0 &&
    toList(bom.components).length === 0 &&
    toList(bom.services).length === 0
  );
}

function analysisStates(vulnerabilities: JsonObject[]) {
  return tally(
    vulnerabilities.map((v) => (isObject(v.analysis) ? v.analysis.state : 0)),
  );
}

function primaryOf(component: JsonObject) {
  const name = toText(component.name);
  return name ? { name, version: toText(component.version) } : null;
}

function versionWarnings(version: string | null, timestamp: unknown) {
  const warnings: string[] = [];
  if (!version || !KNOWN_VERSIONS.includes(version)) {
    warnings.push(`unknown CycloneDX specVersion ${JSON.stringify(version)}`);
  }
  if (timestamp !== undefined && toTime(timestamp) === null) {
    warnings.push('metadata.timestamp is not an RFC 3339 date-time');
  }
  return warnings;
}

/**
 * What readCycloneDxJson and bomRefWarnings read of a BOM's lists: the
 * bom-refs of components and services at every depth, each
 * vulnerability's bom-ref and analysis state, and the dependency graph.
 */
export const CYCLONEDX_OUTLINE: Outline = {
  formats: ['cyclonedx-json', 'cyclonedx-vex'],
  rules: {
    'components.*': refsOf,
    'services.*': refsOf,
    'vulnerabilities.*': (entry) =>
      isObject(entry)
        ? {
            ...pick(entry, ['bom-ref']),
            ...(isObject(entry.analysis)
              ? { analysis: pick(entry.analysis, ['state']) }
              : {}),
          }
        : null,
    'dependencies.*': keepOnly('ref', 'dependsOn', 'provides'),
  },
};

// Nested components and services keep their bom-refs too, with a stack:
// an entry is at most as deep as the document's nesting limit allows.
function refsOf(entry: unknown): unknown {
  if (!isObject(entry)) return null;
  const root = pick(entry, ['bom-ref']);
  const stack: [JsonObject, JsonObject][] = [[entry, root]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [from, to] = top;
    for (const key of ['components', 'services']) {
      const list = from[key];
      if (!Array.isArray(list)) continue;
      to[key] = list.map((child: unknown) => {
        if (!isObject(child)) return null;
        const kept = pick(child, ['bom-ref']);
        stack.push([child, kept]);
        return kept;
      });
    }
  }
  return root;
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Keep values as written: a version "1.10" must not become the number 1.1.
  parseTagValue: false,
  // Top-level lists must stay lists even when they hold a single entry.
  isArray: (_name, jpath) =>
    [
      'bom.components.component',
      'bom.services.service',
      'bom.vulnerabilities.vulnerability',
    ].includes(String(jpath)),
});

/** True when the text looks like a CycloneDX XML BOM. */
export function isCycloneDxXml(text: string): boolean {
  return /<bom[\s>]/.test(text.slice(0, 4096)) && text.includes('cyclonedx');
}

/** Reads a CycloneDX XML BOM; the spec version is its namespace's. */
export function readCycloneDxXml(text: string): DocumentFacts | string {
  // The parser is lenient: a file cut off mid-element would pass as a
  // smaller BOM.
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    return `XML that is not well-formed: ${valid.err.msg} (line ${valid.err.line})`;
  }
  const parsed = xml.parse(text) as unknown;
  const bom = isObject(parsed) && isObject(parsed.bom) ? parsed.bom : null;
  if (!bom) return 'XML whose root element is not a CycloneDX <bom>';
  const match = NAMESPACE.exec(String(bom['@_xmlns']));
  if (!match) return 'a <bom> element outside the CycloneDX namespace';
  const specVersion = match[1] ?? null;
  const metadata = isObject(bom.metadata) ? bom.metadata : {};
  const primary = isObject(metadata.component) ? metadata.component : {};
  return {
    kind: 'sboms',
    format: 'cyclonedx-xml',
    specVersion,
    mediaType: 'application/vnd.cyclonedx+xml',
    ...pickTime([toTime(metadata.timestamp), 'metadata/timestamp']),
    metadata: {
      serialNumber: toText(bom['@_serialNumber']),
      bomVersion: Number(bom['@_version'] ?? NaN) || null,
      componentCount: childCount(bom.components, 'component'),
      serviceCount: childCount(bom.services, 'service'),
      vulnerabilityCount: childCount(bom.vulnerabilities, 'vulnerability'),
      primaryComponent: primaryOf(primary),
    },
    warnings: [
      ...versionWarnings(specVersion, metadata.timestamp),
      ...xmlBomRefWarnings(bom),
    ],
  };
}

function childCount(parent: unknown, child: string): number {
  return isObject(parent) ? toList(parent[child]).length : 0;
}
