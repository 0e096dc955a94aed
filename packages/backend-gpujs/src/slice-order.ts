/**
 * A tensor's elements grouped by slice (a counting sort), flat order kept within each slice — so a
 * chunk's first non-finite offset still maps to its smallest flat index. `starts[s]` is where slice
 * `s` begins and `starts[sliceCount]` the element count; `gathered` holds `values[i]` in that
 * order, or the flat index `i` itself when `values` is absent (an order the device gathers by).
 */
export function groupBySlice(
  sliceOf: Int32Array | undefined,
  length: number,
  sliceCount: number,
  values?: Float32Array,
): { readonly starts: Int32Array; readonly gathered: Float32Array } {
  const starts = new Int32Array(sliceCount + 1);
  for (let i = 0; i < length; i++) {
    const slot = (sliceOf?.[i] ?? 0) + 1;
    starts[slot] = (starts[slot] as number) + 1;
  }
  for (let slice = 0; slice < sliceCount; slice++)
    starts[slice + 1] = (starts[slice + 1] as number) + (starts[slice] as number);
  const gathered = new Float32Array(length);
  const cursor = starts.slice(0, sliceCount);
  for (let i = 0; i < length; i++) {
    const slice = sliceOf?.[i] ?? 0;
    gathered[cursor[slice] as number] = values === undefined ? i : (values[i] as number);
    cursor[slice] = (cursor[slice] as number) + 1;
  }
  return { starts, gathered };
}
