import { type ClipBackend, type ClipSpec, createClipper, type ResolvedSpec } from '@gradclip/core';
import { ModelsError } from '../errors.js';
import {
  backendTensorBridge,
  type GradientClipping,
  hostTensorBridge,
  type TensorBridge,
  tfjsTensorBridge,
} from '../training/tensor-bridge.js';

/** The clipping backends the command line knows by id, and how their gradients cross. */
const KNOWN_BACKENDS: Readonly<
  Record<
    string,
    {
      readonly packageName: string;
      readonly factory: string;
      readonly bridge: 'tfjs' | 'backend';
      /** The mode when `id` names none; the factory requires one. */
      readonly defaultMode?: string;
    }
  >
> = {
  tfjs: { packageName: '@gradclip/backend-tfjs', factory: 'createTfjsBackend', bridge: 'tfjs' },
  onnx: { packageName: '@gradclip/backend-onnx', factory: 'createOnnxBackend', bridge: 'backend' },
  // cpu: the gpu.js mode that runs on every machine (webasm is faster; name it as gpujs:webasm).
  gpujs: {
    packageName: '@gradclip/backend-gpujs',
    factory: 'createGpujsBackend',
    bridge: 'backend',
    defaultMode: 'cpu',
  },
};

export const BACKEND_IDS = ['reference', ...Object.keys(KNOWN_BACKENDS)] as const;

/** Splits `id` or `id:mode`; an unknown id or an empty mode is a `ModelsError` naming `--backend`. */
export function checkBackendId(id: string): { readonly name: string; readonly mode: string | undefined } {
  const colon = id.indexOf(':');
  const name = colon < 0 ? id : id.slice(0, colon);
  const mode = colon < 0 ? undefined : id.slice(colon + 1);
  if (
    (name !== 'reference' && KNOWN_BACKENDS[name] === undefined) ||
    mode === '' ||
    (name === 'reference' && mode !== undefined)
  ) {
    throw new ModelsError(
      'INVALID_OPTION',
      `--backend: got ${JSON.stringify(id)}, expected one of ${BACKEND_IDS.join(', ')} (optionally id:mode)`,
      {
        field: 'backend',
        value: id,
        expected: BACKEND_IDS.join(' | '),
      },
    );
  }
  return { name, mode };
}

/**
 * A clipper for `spec` on the backend named `id` (`reference`, `tfjs`, `onnx`, `gpujs`, or
 * `id:mode`, whose mode is passed to the factory as `{ mode }`). Backend packages are imported
 * only here, on demand (`importModule`, replaceable in tests): none is a dependency of
 * @gradclip/models.
 */
export async function loadClipping(
  id: string,
  spec: ClipSpec | ResolvedSpec,
  importModule: (specifier: string) => Promise<unknown> = (specifier) => import(specifier),
): Promise<GradientClipping<unknown>> {
  const { name, mode: given } = checkBackendId(id);
  if (name === 'reference') {
    return { clipper: createClipper(spec), bridge: hostTensorBridge() } as GradientClipping<unknown>;
  }
  const known = KNOWN_BACKENDS[name] as (typeof KNOWN_BACKENDS)[string];
  const mode = given ?? known.defaultMode;
  let module: Record<string, unknown>;
  try {
    // A variable specifier: TypeScript must not resolve packages that are not dependencies.
    module = (await importModule(known.packageName)) as Record<string, unknown>;
  } catch (error) {
    const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
    throw new ModelsError(
      'BACKEND_UNAVAILABLE',
      missing
        ? `backend "${name}": the package ${known.packageName} is not installed (add it next to @gradclip/models)`
        : `backend "${name}": ${known.packageName} failed to load: ${(error as Error).message}`,
      { field: 'backend', value: id, expected: `an installed ${known.packageName}`, cause: error },
    );
  }
  const factory = module[known.factory];
  if (typeof factory !== 'function') {
    throw new ModelsError(
      'BACKEND_UNAVAILABLE',
      `backend "${name}": ${known.packageName} does not export ${known.factory}()`,
      {
        field: 'backend',
        value: id,
        expected: `a ${known.factory} export`,
      },
    );
  }
  let backend: ClipBackend<unknown>;
  try {
    // TF.js's backend works on the TF.js module the models train with.
    const options =
      name === 'tfjs' ? { tf: await import('@tensorflow/tfjs') } : mode === undefined ? {} : { mode };
    backend = (await factory(options)) as ClipBackend<unknown>;
  } catch (error) {
    throw new ModelsError(
      'BACKEND_UNAVAILABLE',
      `backend "${id}" failed to start: ${(error as Error).message}`,
      {
        field: 'backend',
        value: id,
        expected: 'a backend that starts',
        cause: error,
      },
    );
  }
  const bridge: TensorBridge<unknown> =
    known.bridge === 'tfjs' ? (tfjsTensorBridge() as TensorBridge<unknown>) : backendTensorBridge(backend);
  return { clipper: createClipper(spec, { backend }), bridge };
}
