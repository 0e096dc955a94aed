import { exposeTargets } from './expose-targets.js';
import { wasmTargets } from './wasm-targets.js';

exposeTargets(wasmTargets);
