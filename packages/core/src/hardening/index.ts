/**
 * The hardening suite (runner-agnostic): `runHardening(backend)` or, per property,
 * `hardeningProperties`. Vitest users call `describeHardening` from `./vitest.js`.
 */
export {
  badGradients,
  badSpec,
  type HostGradient,
  hostGradients,
  nestedChain,
  validSpec,
} from './arbitraries.js';
export {
  DEFAULT_HARDENING_SEED,
  type HardeningProperty,
  type HardeningSettings,
  hardeningProperties,
  runHardening,
} from './run-hardening.js';
