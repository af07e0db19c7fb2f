import type { Me } from '../api/types';

/**
 * Whether the token may start, cancel and retry exports and download
 * bundles. An admin without the exporter role may not (GET /me roleNote).
 */
export function mayExport(me: Me): boolean {
  return me.roles.includes('exporter');
}
