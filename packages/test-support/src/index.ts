export {
  isFragment,
  type MarkdownSample,
  markdownSamples,
  markdownSamplesOfText,
  matchesShownOutput,
} from './markdown-samples.js';
export {
  printedExpectations,
  type RunSampleOptions,
  readmeSamples,
  runSample,
  showLogged,
} from './readme-samples.js';
