import type * as tfjs from '@tensorflow/tfjs';

/**
 * The parts of the TensorFlow.js module this package uses. The module is injected (never
 * imported at run time) because TF.js keeps its engine in global state: the caller's copy of
 * `@tensorflow/tfjs`, with the TF.js backend the caller picked, is the one that must run.
 */
export type TfjsModule = Pick<
  typeof tfjs,
  | 'Tensor'
  | 'Variable'
  | 'Optimizer'
  | 'abs'
  | 'clipByValue'
  | 'clone'
  | 'getBackend'
  | 'greater'
  | 'io'
  | 'isFinite'
  | 'isNaN'
  | 'less'
  | 'logicalOr'
  | 'mul'
  | 'dispose'
  | 'div'
  | 'equal'
  | 'fill'
  | 'ready'
  | 'scalar'
  | 'serialization'
  | 'tensor'
  | 'tidy'
  | 'train'
  | 'version'
  | 'where'
  | 'zerosLike'
>;

export type Tensor = tfjs.Tensor;
/** What `Optimizer.applyGradients` accepts in a list (TF.js does not export the type). */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}
export type NamedTensorMap = tfjs.NamedTensorMap;
export type Optimizer = tfjs.Optimizer;
export type Scalar = tfjs.Scalar;
export type Variable = tfjs.Variable;
export type ConfigDict = tfjs.serialization.ConfigDict;
export type Serializable = tfjs.serialization.Serializable;
export type SerializableConstructor<T extends Serializable> = tfjs.serialization.SerializableConstructor<T>;
export type ModelArtifacts = tfjs.io.ModelArtifacts;
export type IOHandler = tfjs.io.IOHandler;
