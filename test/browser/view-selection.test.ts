/** The Files viewer's choice of frame, slice, overview bin and zoomed region for the JSON data route (web/src/pages/files/selection.ts). */
import { describe, expect, it } from 'vitest';
import { JSON_LIMIT, overviewBin, viewRequest } from '../../web/src/pages/files/selection.js';

describe('viewRequest', () => {
  it('reads a small image whole and a 3D stack by frame', () => {
    expect(viewRequest([64, 32], [])).toEqual({ shape: [64, 32], starts: [0, 0] });
    expect(viewRequest([5, 64, 32], [3])).toMatchObject({ frame: 3, shape: [64, 32] });
    expect(viewRequest([5, 64, 32], [9]).frame).toBe(4);
  });
  it('shows a big image whole as block means, under the JSON limit', () => {
    const v = viewRequest([4096, 2048], []);
    expect(v.slice).toBeUndefined();
    expect(v.bin).toBe(3);
    expect(v.shape).toEqual([1366, 683]);
    expect(v.shape[0]! * v.shape[1]!).toBeLessThanOrEqual(JSON_LIMIT);
    expect(v.big).toEqual({ rows: 4096, cols: 2048 });
    expect(viewRequest([5, 4096, 2048], [2])).toMatchObject({ frame: 2, bin: 3 });
    expect(viewRequest([2, 5, 4096, 2048], [1, 4])).toMatchObject({ slice: '1,4,0:4096,0:2048', bin: 3 }); // prettier-ignore
    expect(overviewBin(1025, 1024)).toBe(2);
    expect(overviewBin(16384, 16384)).toBe(16);
  });
  it('zooms into a full-resolution region around a centre, inside the image', () => {
    const centre = viewRequest([4096, 2048], [], { row: 2048, col: 1024 });
    expect(centre.slice).toBe('1536:2560,512:1536');
    expect(centre.bin).toBeUndefined();
    expect(centre.starts).toEqual([1536, 512]);
    const corner = viewRequest([4096, 2048], [], { row: 10, col: 5000 });
    expect(corner.slice).toBe('0:1024,1024:2048');
    expect(viewRequest([5, 4096, 2048], [3], { row: 0, col: 0 }).slice).toBe('3,0:1024,0:1024');
  });
  it('fixes every leading axis of 4D data with a slice', () => {
    expect(viewRequest([3, 4, 16, 16], [2, 1]).slice).toBe('2,1,0:16,0:16');
  });
  it('cuts 1D data at the limit', () => {
    expect(viewRequest([10], []).slice).toBeUndefined();
    expect(viewRequest([JSON_LIMIT + 5], []).slice).toBe(`0:${JSON_LIMIT}`);
  });
});
