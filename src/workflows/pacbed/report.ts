/**
 * What a PACBED training writes beside its model: the label table, the held-out confusion
 * matrix (JSON + PNG), loss/accuracy curves (PNG), the history (JSON), and the 3×3 preview of
 * augmented training inputs (`--preview`).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ndarray } from '../../core/ndarray.js';
import { encodePng } from '../../formats/image/png.js';
import type { ConfusionReport } from '../../ml/metrics/confusion.js';
import { confusionMatrixSvg } from '../../ml/plots/heatmap.js';
import { lineChartsSvg } from '../../ml/plots/line.js';
import { writeSvgPng } from '../../ml/plots/render.js';
import type { EpochRecord } from '../../ml/train/callbacks.js';
import { formatLabelTable, LABELS_FILE, type PacbedTarget } from './labels.js';

export async function writeTrainingReport(
  dir: string,
  o: {
    target: PacbedTarget;
    labels: readonly number[];
    history: EpochRecord[];
    confusion: ConfusionReport;
    id: string;
  },
): Promise<void> {
  const { history, confusion } = o;
  await writeFile(join(dir, LABELS_FILE), formatLabelTable(o.target, o.labels));
  await writeFile(join(dir, 'confusion.json'), `${JSON.stringify(confusion, null, 2)}\n`);
  await writeFile(join(dir, 'history.json'), `${JSON.stringify(history, null, 2)}\n`);
  await writeSvgPng(
    join(dir, 'confusion.png'),
    confusionMatrixSvg({
      title: `${o.target}, held-out split: accuracy ${(100 * confusion.accuracy).toFixed(2)} % (n=${confusion.total})`,
      labels: confusion.labels,
      matrix: confusion.matrix,
    }),
  );
  const ep = history.map((h) => h.epoch + 1);
  const val = (k: 'val_loss' | 'val_accuracy') => history.map((h) => h[k] ?? NaN);
  await writeSvgPng(
    join(dir, 'curves.png'),
    lineChartsSvg([
      {
        title: `${o.target} loss — model ${o.id.slice(0, 8)}`,
        xLabel: 'epoch',
        yLabel: 'categorical cross-entropy',
        series: [
          { name: 'train', x: ep, y: history.map((h) => h.loss) },
          { name: 'validation', x: ep, y: val('val_loss'), dashed: true, color: 1 },
        ],
      },
      {
        title: 'accuracy',
        xLabel: 'epoch',
        yLabel: 'accuracy',
        series: [
          { name: 'train', x: ep, y: history.map((h) => h.accuracy) },
          { name: 'validation', x: ep, y: val('val_accuracy'), dashed: true, color: 1 },
        ],
      },
    ]),
  );
}

/** Up to nine size × size images in [-1, 1] tiled 3 × 3 (2 px gaps) as a gray PNG. */
export function previewGrid(images: readonly Float32Array[], size: number): Uint8Array {
  const gap = 2;
  const side = 3 * size + 2 * gap;
  const grid = new Float32Array(side * side).fill(-1);
  images.slice(0, 9).forEach((img, k) => {
    const oy = Math.floor(k / 3) * (size + gap);
    const ox = (k % 3) * (size + gap);
    for (let y = 0; y < size; y++)
      grid.set(img.subarray(y * size, (y + 1) * size), (oy + y) * side + ox);
  });
  return encodePng(ndarray('float32', [side, side], grid), { range: [-1, 1] });
}
