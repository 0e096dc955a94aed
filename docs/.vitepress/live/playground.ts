/** The spec playground: one spec and some gradients through every live backend, bits side by side. */
import { clip, gradientFromJson, parseSpecJson } from '@gradclip/core';
import { float32Bits } from '@gradclip/core/backend';
import { LIVE_BACKENDS } from './backends.js';

export interface BackendOutput {
  readonly backendId: string;
  /** Per tensor, per element: the value and its float32 bits in hex. */
  readonly tensors: { readonly name: string; readonly values: string[]; readonly bits: string[] }[];
  readonly normBefore: number | null;
  readonly scale: number | null;
  readonly clipped: boolean | null;
  readonly error: string | null;
  /** Elements whose bits differ from the first backend's (the reference). */
  differences: number;
}

export const DEFAULT_SPEC = '{ "kind": "globalNorm", "maxNorm": 1 }';
export const DEFAULT_GRADIENTS = `[
  { "name": "dense/kernel", "shape": [2, 2], "values": [3, 4, 0.5, -0.5] },
  { "name": "dense/bias", "shape": [2], "values": [12, "-0"] }
]`;

const hex = (value: number) => float32Bits(value).toString(16).padStart(8, '0');

export async function runPlayground(specText: string, gradientsText: string): Promise<BackendOutput[]> {
  const spec = parseSpecJson(specText);
  const gradients = (JSON.parse(gradientsText) as unknown[]).map((item, i) =>
    gradientFromJson(item, `gradients[${i}]`),
  );
  const outputs: BackendOutput[] = [];
  for (const live of LIVE_BACKENDS) {
    if (live.unavailable() !== null) continue;
    const backend = await live.create();
    try {
      const inputs = await Promise.all(gradients.map((g) => backend.fromHost(g.values, g.shape)));
      const { gradients: clipped, report } = await clip(inputs, spec, { backend });
      const tensors = [];
      for (const [i, tensor] of clipped.entries()) {
        const values = Array.from(await backend.toHost(tensor));
        tensors.push({
          name: gradients[i]?.name ?? `#${i}`,
          values: values.map((v) => (Object.is(v, -0) ? '-0' : String(v))),
          bits: values.map(hex),
        });
      }
      outputs.push({
        backendId: live.id,
        tensors,
        normBefore: report.normBefore,
        scale: report.scale,
        clipped: report.clipped,
        error: null,
        differences: 0,
      });
    } catch (error) {
      outputs.push({
        backendId: live.id,
        tensors: [],
        normBefore: null,
        scale: null,
        clipped: null,
        error: error instanceof Error ? error.message : String(error),
        differences: 0,
      });
    } finally {
      await backend.dispose();
    }
  }
  const reference = outputs[0];
  for (const output of outputs.slice(1)) {
    if (reference === undefined) break;
    if ((reference.error === null) !== (output.error === null)) output.differences++;
    for (const [t, tensor] of output.tensors.entries()) {
      for (const [k, bits] of tensor.bits.entries()) {
        if (reference.tensors[t]?.bits[k] !== bits) output.differences++;
      }
    }
  }
  return outputs;
}
