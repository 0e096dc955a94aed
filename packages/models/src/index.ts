/**
 * @gradclip/models: the gradient-clipping experiments as code. Deterministic datasets, seeded
 * reference models (TF.js layers) and a training loop that clips through any gradclip clipper.
 *
 * Nothing here touches TF.js's global engine on import; `train` and the experiments run on
 * whatever backend is active. Call `await tf.setBackend('cpu')` first for bit-reproducible runs
 * (the command line does).
 */

export { type AddingProblemOptions, makeAddingProblem } from './datasets/adding-problem.js';
export { type Dataset, gatherDataset, sizeOf, sliceDataset } from './datasets/dataset.js';
export {
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_IMAGE_SIZE,
  type FashionMnist,
  prepareFashionMnist,
  type RawImages,
} from './datasets/fashion-mnist.js';
export { type FashionMnistFilesOptions, loadFashionMnistFiles } from './datasets/fashion-mnist-files.js';
export { type FashionMnistPackageOptions, loadFashionMnist } from './datasets/fashion-mnist-package.js';
export { type IdxArray, type IdxData, parseIdx, readIdxFile } from './datasets/idx.js';
export { type MakeRegressionOptions, makeRegression, type Regression } from './datasets/make-regression.js';
export { ModelsError, type ModelsErrorCode, type ModelsErrorDetails } from './errors.js';
export { type AddingExperimentOptions, runAddingExperiment } from './experiments/adding-experiment.js';
export type { ExperimentResult } from './experiments/experiment-result.js';
export {
  type FashionMnistExperimentOptions,
  runFashionMnistExperiment,
} from './experiments/fashion-mnist-experiment.js';
export {
  type RegressionExperimentOptions,
  runRegressionExperiment,
} from './experiments/regression-experiment.js';
export { type AddingModelOptions, createAddingModel } from './models/adding-model.js';
export { createFashionMnistModel, type FashionMnistModelOptions } from './models/fashion-mnist-model.js';
export { createRegressionModel, type RegressionModelOptions } from './models/regression-model.js';
export { initialValues, seedLayerWeights, type WeightInitializer } from './models/seeded-weights.js';
export { deterministicLog } from './random/deterministic-log.js';
export { createSeededRandom, randomPermutation, type SeededRandom } from './random/seeded-random.js';
export { silenceTfjsNodeBanner } from './tfjs-node-banner.js';
export { type EvaluateOptions, type Evaluation, evaluate } from './training/evaluate.js';
export { type EpochRecord, type StepRecord, type TrainingHistory, toJsonText } from './training/history.js';
export { computeLoss, countCorrect, type LossKind } from './training/losses.js';
export {
  createTerminalProgress,
  type ProgressEvent,
  type ProgressStream,
  type TerminalProgressOptions,
} from './training/progress.js';
export {
  backendTensorBridge,
  clipOnHost,
  clipTfjsTensors,
  clipThroughBackend,
  type GradientClipping,
  hostTensorBridge,
  type TensorBridge,
  tfjsTensorBridge,
} from './training/tensor-bridge.js';
export { type TrainOptions, train } from './training/train.js';
