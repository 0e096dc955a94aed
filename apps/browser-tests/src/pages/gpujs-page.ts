import { exposeTargets } from './expose-targets.js';
import { gpujsTargets } from './gpujs-targets.js';

exposeTargets(gpujsTargets);
