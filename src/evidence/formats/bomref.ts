import { isObject, toList, toText, type JsonObject } from './shared.js';

// Warnings listed by name; past this many, the rest are counted.
const LISTED = 5;

/**
 * Checks the bom-ref graph of a CycloneDX JSON BOM (CycloneDX 1.4+ §
 * "bom-ref": unique within the BOM): a bom-ref given twice, and a
 * dependency naming a bom-ref no component or service has. Either is
 * warned on; the BOM itself is left exactly as received.
 */
export function bomRefWarnings(bom: JsonObject): string[] {
  return refWarnings(collectRefs(bom), dependencyRefs(bom));
}

/**
 * The same checks on a CycloneDX XML BOM as the XML parser gives it
 * (attributes as `@_name`): bom-ref attributes of components and
 * services at every depth, of the metadata component and of
 * vulnerabilities, and the `ref` of every dependency and `provides`.
 */
export function xmlBomRefWarnings(bom: JsonObject): string[] {
  const declared: string[] = [];
  const metadata = isObject(bom.metadata) ? bom.metadata : {};
  const stack: unknown[] = [
    metadata.component,
    ...childrenOf(bom.components, 'component'),
    ...childrenOf(bom.services, 'service'),
  ];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!isObject(item)) continue;
    const ref = toText(item['@_bom-ref']);
    if (ref) declared.push(ref);
    stack.push(
      ...childrenOf(item.components, 'component'),
      ...childrenOf(item.services, 'service'),
    );
  }
  for (const v of childrenOf(bom.vulnerabilities, 'vulnerability')) {
    const ref = isObject(v) ? toText(v['@_bom-ref']) : null;
    if (ref) declared.push(ref);
  }
  const used = new Set<string>();
  for (const dep of childrenOf(bom.dependencies, 'dependency')) {
    if (!isObject(dep)) continue;
    const ref = toText(dep['@_ref']);
    if (ref) used.add(ref);
    for (const on of [
      ...childrenOf(dep, 'dependency'),
      ...childrenOf(dep, 'provides'),
    ]) {
      const target = isObject(on) ? toText(on['@_ref']) : null;
      if (target) used.add(target);
    }
  }
  return refWarnings(declared, used);
}

/** The children of an XML element with a name, one or many. */
export function childrenOf(parent: unknown, name: string): unknown[] {
  if (!isObject(parent)) return [];
  const children = parent[name];
  if (children === undefined) return [];
  return Array.isArray(children) ? children : [children];
}

function refWarnings(declared: string[], used: Set<string>): string[] {
  const counts = new Map<string, number>();
  for (const ref of declared) {
    counts.set(ref, (counts.get(ref) ?? 0) + 1);
  }
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([r]) => r);
  const dangling = [...used].filter((r) => !counts.has(r));
  return [
    ...listed('bom-ref given more than once', duplicates),
    ...listed('dependency on a bom-ref that nothing declares', dangling),
  ];
}

function listed(what: string, refs: string[]): string[] {
  if (refs.length === 0) return [];
  const shown = refs.slice(0, LISTED).map((r) => JSON.stringify(r));
  const more = refs.length > LISTED ? ` and ${refs.length - LISTED} more` : '';
  return [`${what}: ${shown.join(', ')}${more}`];
}

// Components and services nest (components of components, services of
// services); a stack instead of recursion keeps deep BOMs safe.
function collectRefs(bom: JsonObject): string[] {
  const refs: string[] = [];
  const metadata = isObject(bom.metadata) ? bom.metadata : {};
  const stack: unknown[] = [
    metadata.component,
    ...toList(bom.components),
    ...toList(bom.services),
  ];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!isObject(item)) continue;
    const ref = toText(item['bom-ref']);
    if (ref) refs.push(ref);
    stack.push(...toList(item.components), ...toList(item.services));
  }
  for (const v of toList(bom.vulnerabilities)) {
    const ref = isObject(v) ? toText(v['bom-ref']) : null;
    if (ref) refs.push(ref);
  }
  return refs;
}

function dependencyRefs(bom: JsonObject): Set<string> {
  const refs = new Set<string>();
  for (const dep of toList(bom.dependencies)) {
    if (!isObject(dep)) continue;
    const ref = toText(dep.ref);
    if (ref) refs.add(ref);
    for (const on of [...toList(dep.dependsOn), ...toList(dep.provides)]) {
      const target = toText(on);
      if (target) refs.add(target);
    }
  }
  return refs;
}
