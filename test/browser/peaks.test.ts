/**
 * The peaks page in Debian's Chromium against the real server: a synthetic scan served from the
 * data root is opened, its frame is drawn (the server's overlay PNG), the peak table lists the
 * frame's peaks as `POST /api/peaks/predict` gives them, a click on a row highlights that peak,
 * the volume's three projections are drawn, and no console error is logged.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planScan } from '../../src/workflows/peaks/synthetic/scene.js';
import { writeSyntheticScan } from '../../src/workflows/peaks/synthetic/write-scan.js';
import { HAS_CHROMIUM } from '../support/web/browser.js';
import { browserSuiteTitle, onPage, useBrowserSuite } from '../support/web/suite.js';

describe.skipIf(!HAS_CHROMIUM)(browserSuiteTitle('browser peaks page'), () => {
  const suite = useBrowserSuite({
    name: 'peaks',
    timeoutMs: 120_000,
    async prepare(dir) {
      mkdirSync(join(dir, 'scans'));
      const plan = planScan({ frames: 6, height: 64, width: 128, seed: 4, density: 3 });
      await writeSyntheticScan(plan, join(dir, 'scans', 's.nxs'), join(dir, 'scans', 's_labels.h5')); // prettier-ignore
    },
  });
  let framePeaks = 0;
  beforeAll(async () => {
    const r = await suite.postJson<{ results: { peaks: unknown[] }[] }>('/api/peaks/predict', {
      input: { root: 'data0', path: 'scans/s.nxs' },
      frame: 0,
    });
    framePeaks = r.results[0]!.peaks.length;
  });

  it(
    'opens a served scan: frame drawn, peak table rows, highlight, projections',
    () =>
      onPage(suite, undefined, async ({ page }) => {
        expect(framePeaks).toBeGreaterThan(0);
        await page.goto(`${suite.url}/#/peaks`);
        await page.getByLabel('scan path').fill('scans/s.nxs');
        await page.getByTestId('peaks-open').click();
        await page
          .locator('[data-testid="peaks-scan"], .error')
          .first()
          .waitFor({ timeout: 30_000 });
        expect(await page.locator('.error').allTextContents()).toEqual([]);
        await expect(page.getByTestId('peaks-scan').textContent()).resolves.toContain('6 frames of 64 × 128'); // prettier-ignore
        const img = page.getByTestId('peaks-frame').locator('img');
        await img.waitFor({ timeout: 30_000 });
        await expect
          .poll(
            () => img.evaluate((e) => (e as unknown as { naturalWidth: number }).naturalWidth),
            {
              timeout: 30_000,
            },
          )
          .toBe(128);
        const rows = page.getByTestId('peaks-table').locator('tbody tr');
        await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(framePeaks);
        await rows.first().click();
        await page.getByTestId('peaks-highlight').waitFor({ timeout: 10_000 });
        await expect(page.getByTestId('peaks-volume').locator('canvas').count()).resolves.toBe(3);
        expect(await page.locator('.error').allTextContents()).toEqual([]);
      }),
    90_000,
  );
});
