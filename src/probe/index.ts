export {
  probeIsolation,
  type Canary,
  type ProbeCheck,
  type ProbeOptions,
} from './isolation.js';
export {
  PROBE_PHASES,
  probeExport,
  type ExportProbeOptions,
  type ExportProbeResult,
  type ProbePhase,
} from './export.js';
export { toTextfile, writeTextfile } from './textfile.js';
