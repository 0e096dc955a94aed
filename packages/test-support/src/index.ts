export {
  printedExpectations,
  type RunSampleOptions,
  readmeSamples,
  runSample,
  showLogged,
} from './readme-samples.js';
