import { describe, expect, it } from 'vitest';
import { parseSpec } from '../parse-spec.js';
import type { ResolvedNormGroupsSpec } from '../spec.js';
import { assignGroups, unitAxes } from './index.js';

describe('the helpers core exports for graph exporters', () => {
  it('assignGroups puts each tensor in the first group that names or matches it, -1 for the rest', () => {
    const spec = parseSpec({
      kind: 'groups',
      groups: [
        { name: 'a', tensors: ['head'], spec: { kind: 'globalNorm', maxNorm: 1 } },
        { name: 'b', pattern: 'dense/*', spec: { kind: 'globalNorm', maxNorm: 2 } },
        { name: 'c', pattern: '*', spec: { kind: 'globalNorm', maxNorm: 3 } },
      ],
    }) as ResolvedNormGroupsSpec;
    expect(assignGroups(spec, ['dense/kernel', 'head', 'other'])).toEqual([1, 0, 2]);
    expect(() =>
      assignGroups(
        { ...spec, groups: [{ ...(spec.groups[0] as (typeof spec.groups)[number]), tensors: ['x'] }] },
        ['a'],
      ),
    ).toThrow(/names no tensor/);
  });

  it('unitAxes gives the reference layout by rank and refuses rank 6', () => {
    expect([0, 1, 2, 3, 4].map((rank) => unitAxes(new Array(rank).fill(2), 'w'))).toEqual([
      undefined,
      undefined,
      [0],
      [0],
      [0, 1, 2],
    ]);
    expect(unitAxes([1, 1, 1, 1, 1], 'w')).toEqual([0, 1, 2, 3]);
    expect(() => unitAxes([1, 1, 1, 1, 1, 1], 'w')).toThrow(/rank 6/);
  });
});
