/**
 * The classify page in Debian's Chromium against the real server: a tiny trained classify model
 * (VGG, 32²) in the server's models root; the page loads without a console error and offers the
 * model; two chosen NPY images give a table with the classes the API gives for the same files
 * and a probability bar per class; clicking an image and choosing a class draws its Grad-CAM++
 * overlay (the map's red–yellow over the gray image, not blank); a dropped TFRecord shard gives
 * a row per record.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ndarray } from '../../src/core/ndarray.js';
import { writeNpy } from '../../src/formats/npy/npy.js';
import { openAny } from '../../src/formats/registry.js';
import { HAS_CHROMIUM, pixelVariance } from '../support/web/browser.js';
import { browserSuiteTitle, dropFile, onPage, useBrowserSuite } from '../support/web/suite.js';
import { tinyClassifyModel } from '../support/workflows/classify/tiny-model.js';

interface Image {
  name: string;
  classes: string[];
  best: string;
  overlays: Record<string, string>;
}

/** The largest red-over-blue excess of a PNG's pixels (the map's colour; 0 for gray). */
function mapColour(png: Uint8Array): number {
  const img = PNG.sync.read(Buffer.from(png));
  let best = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    best = Math.max(best, img.data[4 * i]! - img.data[4 * i + 2]!);
  }
  return best;
}

describe.skipIf(!HAS_CHROMIUM)(browserSuiteTitle('browser classify page'), () => {
  const suite = useBrowserSuite({
    name: 'classify',
    timeoutMs: 180_000,
    async prepare(dir) {
      const tiny = await tinyClassifyModel(join(dir, 'dataset'), join(dir, 'models'));
      copyFileSync(tiny.evalShard, join(dir, 'shard.tfrecord'));
      const files: string[] = [];
      const f = await openAny(tiny.evalShard);
      try {
        for (const k of [0, 1]) {
          const a = (await f.read('images', { frame: k })).array;
          const p = join(dir, `image-${k}.npy`);
          writeFileSync(p, writeNpy(ndarray('uint16', [a.shape[0]!, a.shape[1]!], a.data as Uint16Array))); // prettier-ignore
          files.push(p);
        }
      } finally {
        await f.close();
      }
      return { tiny, files };
    },
  });
  let expected: Image[];
  beforeAll(async () => {
    const r = await suite.postJson<{ images: Image[] }>('/api/classify/predict', {
      model: suite.fixture.tiny.id,
      inputs: [0, 1].map((k) => ({ root: 'data0', path: `image-${k}.npy` })),
      overlay: 'all',
    });
    expected = r.images;
  });

  it('loads without a console error and offers the model', () =>
    onPage(suite, 'classify', async ({ page }) => {
      await page.waitForLoadState('networkidle');
      await expect(page.locator('nav a.active').textContent()).resolves.toBe('Classify');
      await expect.poll(() => page.getByLabel('model').locator('option').count()).toBe(1);
      await expect(page.getByLabel('model').locator('option').first().textContent()).resolves.toMatch(/airynet-vgg, 32², 11 classes/); // prettier-ignore
      expect(await page.locator('.error').allTextContents()).toEqual([]);
    }));

  it('classifies chosen images as the API does and draws the overlay of a chosen class', () =>
    onPage(suite, 'classify', async ({ page }) => {
      await expect.poll(() => page.getByLabel('model').locator('option').count()).toBe(1);
      await page.getByTestId('classify-input').setInputFiles(suite.fixture.files);
      await page.locator('[data-testid="classify-result"], .error').first().waitFor({ timeout: 30_000 }); // prettier-ignore
      expect(await page.locator('.error').allTextContents()).toEqual([]);
      const rows = page.getByTestId('classify-row');
      await expect(rows.count()).resolves.toBe(2);
      for (const [i, e] of expected.entries()) {
        const row = rows.nth(i);
        await expect(row.getByTestId('classify-classes').textContent()).resolves.toBe(e.classes.join(', ') || '—'); // prettier-ignore
        await expect(row.getByTestId('classify-bar').count()).resolves.toBe(suite.fixture.tiny.labels.length); // prettier-ignore
      }
      // the image and class whose map the API colours most
      let pick = { i: 0, c: expected[0]!.best, colour: -1 };
      for (const [i, e] of expected.entries()) {
        for (const [c, b64] of Object.entries(e.overlays)) {
          const colour = mapColour(Buffer.from(b64, 'base64'));
          if (colour > pick.colour) pick = { i, c, colour };
        }
      }
      expect(pick.colour).toBeGreaterThan(20);
      await rows.nth(pick.i).click();
      await page.getByLabel('overlay class').selectOption(pick.c);
      const overlay = page.getByTestId('classify-overlay');
      await expect.poll(() => overlay.getAttribute('alt')).toBe(`gradcam++ of ${pick.c}`);
      await expect.poll(() => overlay.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBe(32); // prettier-ignore
      const shot = await overlay.screenshot();
      expect(pixelVariance(shot)).toBeGreaterThan(1);
      expect(mapColour(shot)).toBeGreaterThan(10);
    }));

  it('classifies a dropped TFRecord shard, a row per record', () =>
    onPage(suite, 'classify', async ({ page }) => {
      await expect.poll(() => page.getByLabel('model').locator('option').count()).toBe(1);
      const bytes = readFileSync(join(suite.dir, 'shard.tfrecord'));
      await dropFile(page, 'classify-drop', 'dropped.tfrecord', bytes);
      await page.locator('[data-testid="classify-result"], .error').first().waitFor({ timeout: 30_000 }); // prettier-ignore
      expect(await page.locator('.error').allTextContents()).toEqual([]);
      await expect(page.getByTestId('classify-row').count()).resolves.toBe(8);
    }));
});
