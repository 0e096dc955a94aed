import { exposeTargets } from './expose-targets.js';
import { tfjsTargets } from './tfjs-targets.js';

exposeTargets(tfjsTargets);
