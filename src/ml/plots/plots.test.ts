import { describe, expect, it } from 'vitest';
import { decodePng } from '../../formats/image/png.js';
import { categoryMapRaster, categoryMapSvg } from './category-map.js';
import { confusionMatrixSvg } from './heatmap.js';
import { lineChartsSvg } from './line.js';
import { svgToPng } from './render.js';
import { CATEGORY_COLORS, esc, niceTicks } from './svg.js';

describe('plots', () => {
  it('niceTicks uses 1-2-5 steps covering the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(niceTicks(3, 97, 4)).toEqual([20, 40, 60, 80]);
    expect(niceTicks(1, 1)).toEqual([1]);
    expect(esc('a<b & "c"')).toBe('a&lt;b &amp; &quot;c&quot;');
  });
  it('colours pixels by class with confidence as brightness', () => {
    // 3 classes: chance 1/3 → black; certainty → full colour
    const pred = Float32Array.from([1, 0, 0, 0, 1, 0, 1 / 3, 1 / 3, 1 / 3, 0, 0.2, 0.8]);
    const { rgb, counts } = categoryMapRaster({
      title: 't',
      pred,
      ny: 2,
      nx: 2,
      phases: ['a', 'b', 'c'],
    });
    expect(Array.from(rgb.subarray(0, 3))).toEqual([...CATEGORY_COLORS[0]!]);
    expect(Array.from(rgb.subarray(3, 6))).toEqual([...CATEGORY_COLORS[1]!]);
    expect(Array.from(rgb.subarray(6, 9))).toEqual([0, 0, 0]);
    expect(rgb[9]).toBe(Math.round(CATEGORY_COLORS[2]![0] * 0.7));
    expect(counts).toEqual([2, 1, 1]);
    expect(() =>
      categoryMapRaster({ title: 't', pred, ny: 3, nx: 2, phases: ['a', 'b', 'c'] }),
    ).toThrow(/expected 3×2×3/);
  });
  it('renders map, confusion matrix and curves to PNGs of the SVG size', () => {
    const map = categoryMapSvg({
      title: 'm',
      pred: new Float32Array(8 * 8 * 2).fill(0.5),
      ny: 8,
      nx: 8,
      phases: ['a', 'b'],
    });
    const png = decodePng(svgToPng(map));
    expect(png.array.shape[1]).toBe(Number(/width="(\d+)"/.exec(map)![1]));
    const cm = decodePng(
      svgToPng(
        confusionMatrixSvg({
          title: 'c',
          labels: ['a', 'b'],
          matrix: [
            [3, 1],
            [0, 4],
          ],
        }),
      ),
    );
    expect(cm.array.shape[0]).toBeGreaterThan(100);
    const lc = lineChartsSvg([
      {
        title: 'l',
        xLabel: 'x',
        yLabel: 'y',
        series: [{ name: 's', x: [1, 2, 3], y: [3, 1, NaN] }],
      },
    ]);
    expect(lc).toMatch(/<path d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+"/);
    expect(decodePng(svgToPng(lc)).array.shape).toEqual([260, 380]);
  });
});
