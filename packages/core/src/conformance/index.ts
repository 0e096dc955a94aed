/**
 * `@gradclip/core/conformance`: the conformance kit, independent of any test runner. It returns
 * outcomes and never asserts, so a CLI, the playground or any runner can use it; vitest users call
 * `describeConformance` from `@gradclip/core/conformance/vitest`.
 */

export { type BoundaryCaseOptions, boundaryCases } from './boundary-cases.js';
export {
  bitsHash,
  type CaseExpectation,
  type CaseInput,
  type CaseOutput,
  type CaseReport,
  type ConformanceCase,
  type GeneratedValues,
} from './case-format.js';
export { caseInputValues, generateValues } from './case-inputs.js';
export { conformanceCases } from './cases.js';
export {
  type CaseFailure,
  type CaseOutcome,
  type CaseStatus,
  type CheckCaseOptions,
  checkCase,
} from './check-case.js';
export { checkSequenceCase } from './check-sequence-case.js';
export { type ConcurrencyOptions, type ConcurrencyOutcome, checkConcurrency } from './concurrency.js';
export { normFromUnits, powerSumUnits, roundUnits, toUnits } from './exact-rational.js';
export { parseSequenceCase } from './parse-sequence-case.js';
export { type ConformanceRun, type RunConformanceOptions, runConformance } from './run-conformance.js';
export {
  isSequenceCase,
  type SequenceCase,
  type SequenceStep,
  type SequenceStepReport,
} from './sequence-case-format.js';
export { sequenceCases } from './sequence-cases.js';
