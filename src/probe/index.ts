export {
  probeIsolation,
  type Canary,
  type ProbeCheck,
  type ProbeOptions,
} from './isolation.js';
