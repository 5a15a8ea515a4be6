/** The Files viewer's choice of frame, slice and crop for the JSON data route (web/src/pages/files/selection.ts). */
import { describe, expect, it } from 'vitest';
import { JSON_LIMIT, viewRequest } from '../../web/src/pages/files/selection.js';

describe('viewRequest', () => {
  it('reads a small image whole and a 3D stack by frame', () => {
    expect(viewRequest([64, 32], [])).toEqual({ shape: [64, 32], starts: [0, 0] });
    expect(viewRequest([5, 64, 32], [3])).toMatchObject({ frame: 3, shape: [64, 32] });
    expect(viewRequest([5, 64, 32], [9]).frame).toBe(4);
  });
  it('crops a big image to its centre, under the JSON limit', () => {
    const v = viewRequest([4096, 2048], []);
    expect(v.slice).toBe('1536:2560,512:1536');
    expect(v.shape[0]! * v.shape[1]!).toBeLessThanOrEqual(JSON_LIMIT);
    expect(v.starts).toEqual([1536, 512]);
  });
  it('fixes every leading axis of 4D data with a slice', () => {
    expect(viewRequest([3, 4, 16, 16], [2, 1]).slice).toBe('2,1,0:16,0:16');
  });
  it('cuts 1D data at the limit', () => {
    expect(viewRequest([10], []).slice).toBeUndefined();
    expect(viewRequest([JSON_LIMIT + 5], []).slice).toBe(`0:${JSON_LIMIT}`);
  });
});
