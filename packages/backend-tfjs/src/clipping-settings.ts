import {
  type AdapterOptions,
  type ClipSpec,
  fromKerasOptions,
  type KerasClipOptions,
  parseSpec,
  type ResolvedSpec,
} from '@gradclip/core';

/** A gradclip spec, or Keras optimizer options with Keras 3 meaning (`clipnorm` is per tensor). */
export type ClippingSetting = ClipSpec | ResolvedSpec | KerasClipOptions;

/**
 * Validates a setting once. Keras options go through `fromKerasOptions` (mutually exclusive, 0
 * disables clipping → `null`); `defaults.nonFinite` / `defaults.compat` fill in what a spec leaves out.
 */
export function resolveClipping(
  setting: ClippingSetting,
  defaults: AdapterOptions = {},
): ResolvedSpec | null {
  if (typeof setting === 'object' && setting !== null && 'kind' in setting) {
    return parseSpec({ ...withoutUndefined(defaults), ...setting } as ClipSpec);
  }
  const spec = fromKerasOptions(setting as KerasClipOptions, defaults);
  return spec === null ? null : parseSpec(spec);
}

function withoutUndefined(options: AdapterOptions): AdapterOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
