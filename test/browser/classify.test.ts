/**
 * The classify page in Debian's Chromium against the real server: a tiny trained classify model
 * (VGG, 32²) in the server's models root; the page loads without a console error and offers the
 * model; two chosen NPY images give a table with the classes the API gives for the same files
 * and a probability bar per class; clicking an image and choosing a class draws its Grad-CAM++
 * overlay (the map's red–yellow over the gray image, not blank); a dropped TFRecord shard gives
 * a row per record.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndarray } from '../../src/core/ndarray.js';
import { writeNpy } from '../../src/formats/npy/npy.js';
import { openAny } from '../../src/formats/registry.js';
import {
  CHROMIUM_SKIP_REASON,
  HAS_CHROMIUM,
  launchChromium,
  pixelVariance,
  watchedPage,
} from '../support/web/browser.js';
import { startServer, type TestServer } from '../support/web/server.js';
import { tinyClassifyModel, type TinyClassify } from '../support/workflows/classify/tiny-model.js';

const TITLE = HAS_CHROMIUM
  ? 'browser classify page'
  : `browser classify page (skipped: ${CHROMIUM_SKIP_REASON})`;

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

describe.skipIf(!HAS_CHROMIUM)(TITLE, () => {
  let dir = '';
  let server: TestServer;
  let browser: Browser;
  let tiny: TinyClassify;
  let expected: Image[];
  const files: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bragg-web-classify-'));
    [tiny, browser] = await Promise.all([
      tinyClassifyModel(join(dir, 'dataset'), join(dir, 'models')),
      launchChromium(),
    ]);
    copyFileSync(tiny.evalShard, join(dir, 'shard.tfrecord'));
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
    server = await startServer({ data: [dir], models: join(dir, 'models'), uploads: join(dir, 'uploads') }); // prettier-ignore
    const res = await fetch(`${server.url}/api/classify/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: tiny.id, inputs: [0, 1].map((k) => ({ root: 'data0', path: `image-${k}.npy` })), overlay: 'all' }), // prettier-ignore
    });
    expect(res.status).toBe(200);
    expected = ((await res.json()) as { images: Image[] }).images;
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('loads without a console error and offers the model', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#/classify`);
    await page.waitForLoadState('networkidle');
    await expect(page.locator('nav a.active').textContent()).resolves.toBe('Classify');
    await expect.poll(() => page.getByLabel('model').locator('option').count()).toBe(1);
    await expect(page.getByLabel('model').locator('option').first().textContent()).resolves.toMatch(/airynet-vgg, 32², 11 classes/); // prettier-ignore
    expect(await page.locator('.error').allTextContents()).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('classifies chosen images as the API does and draws the overlay of a chosen class', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#/classify`);
    await expect.poll(() => page.getByLabel('model').locator('option').count()).toBe(1);
    await page.getByTestId('classify-input').setInputFiles(files);
    await page.locator('[data-testid="classify-result"], .error').first().waitFor({ timeout: 30_000 }); // prettier-ignore
    expect(await page.locator('.error').allTextContents()).toEqual([]);
    const rows = page.getByTestId('classify-row');
    await expect(rows.count()).resolves.toBe(2);
    for (const [i, e] of expected.entries()) {
      const row = rows.nth(i);
      await expect(row.getByTestId('classify-classes').textContent()).resolves.toBe(e.classes.join(', ') || '—'); // prettier-ignore
      await expect(row.getByTestId('classify-bar').count()).resolves.toBe(tiny.labels.length);
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
    expect(errors).toEqual([]);
    await page.close();
  });

  it('classifies a dropped TFRecord shard, a row per record', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#/classify`);
    await expect.poll(() => page.getByLabel('model').locator('option').count()).toBe(1);
    const bytes = [...readFileSync(join(dir, 'shard.tfrecord'))];
    const dt = await page.evaluateHandle((b) => {
      // runs in the page: the DOM's DataTransfer and File (not in Node's types)
      const g = globalThis as unknown as {
        DataTransfer: new () => { items: { add(f: unknown): void } };
        File: new (parts: unknown[], name: string) => unknown;
      };
      const t = new g.DataTransfer();
      t.items.add(new g.File([new Uint8Array(b)], 'dropped.tfrecord'));
      return t;
    }, bytes);
    await page.getByTestId('classify-drop').dispatchEvent('drop', { dataTransfer: dt });
    await page.locator('[data-testid="classify-result"], .error').first().waitFor({ timeout: 30_000 }); // prettier-ignore
    expect(await page.locator('.error').allTextContents()).toEqual([]);
    await expect(page.getByTestId('classify-row').count()).resolves.toBe(8);
    expect(errors).toEqual([]);
    await page.close();
  });
});
