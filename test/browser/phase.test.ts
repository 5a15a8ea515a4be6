/**
 * The phase flow in Debian's Chromium against the real server, end to end: a tiny phase model
 * trained by `bragg phase train` sits in the server's models root; the user picks it, uploads
 * an experimental map (npz), gets the phase map with its legend, reads the probabilities of the
 * pixel under the cursor, the evaluation against the bundled structures, and the same model run
 * in the page with TensorFlow.js. Then the model's page (labels, confusion matrix, curves) and
 * the training run's page.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, distinctColours, pixelVariance } from '../support/web/browser.js';
import { makePhaseFixture, PHASES } from '../support/web/phase-model.js';
import { browserSuiteTitle, onPage, useBrowserSuite } from '../support/web/suite.js';

const NAMES = PHASES.map((p) => p.name);

describe.skipIf(!HAS_CHROMIUM)(browserSuiteTitle('browser phase flow'), () => {
  const suite = useBrowserSuite({
    name: 'phase',
    prepare: (dir) => makePhaseFixture(dir),
    server: (dir, f) => ({ data: [join(dir, 'maps')], models: f.modelsDir }),
  });
  const fx = () => suite.fixture;

  it('uploads a map: phase map with legend, pixel probabilities, evaluation, the same in TF.js', () =>
    onPage(suite, 'phase', async ({ page }) => {
      const model = page.getByLabel('model');
      await expect(model.locator('option').first().getAttribute('value')).resolves.toBe(
        fx().modelId,
      );
      await page.getByTestId('map-input').setInputFiles(fx().mapFile);

      const map = page.getByTestId('phase-map');
      // The prediction, or the server's error (shown in an error box), whichever comes first.
      await page.locator('[data-testid="phase-map"], .error').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.error').allTextContents()).toEqual([]);
      await expect(map.getAttribute('width')).resolves.toBe(String(fx().nx));
      await expect(map.getAttribute('height')).resolves.toBe(String(fx().ny));
      const legend = await page.getByTestId('legend').locator('li').allTextContents();
      expect(legend.map((l) => l.trim().split(' ')[0])).toEqual(NAMES);
      const shot = await map.screenshot();
      expect(pixelVariance(shot) + distinctColours(shot)).toBeGreaterThan(1);

      // The pixel under the cursor: one probability per phase, summing to 1.
      const box = (await map.boundingBox())!;
      const [px, py] = [2, 4];
      await page.mouse.move(
        box.x + (box.width * (px + 0.5)) / fx().nx,
        box.y + (box.height * (py + 0.5)) / fx().ny,
      );
      const probs = page.getByTestId('pixel-probabilities');
      await probs.waitFor();
      await expect(probs.locator('caption').textContent()).resolves.toBe(`x ${px}, y ${py}`);
      const cells = await probs.locator('tbody tr td:nth-child(2)').allTextContents();
      expect(cells).toHaveLength(NAMES.length);
      expect(cells.map(Number).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);

      // The evaluation against the bundled structures of both phases.
      const evaluation = page.getByTestId('evaluation');
      await evaluation.waitFor({ timeout: 30_000 });
      const rows = await evaluation.locator('tbody tr td:first-child').allTextContents();
      expect(rows).toEqual(NAMES);

      // The same map through TensorFlow.js in the page: the same phases, probabilities within
      // 1e-3 of the server's (float32 on another backend).
      await page.getByTestId('browser-infer').click();
      await page
        .locator('[data-testid="browser-result"], .error')
        .first()
        .waitFor({ timeout: 30_000 });
      expect(await page.locator('.error').allTextContents()).toEqual([]);
      await expect(page.getByTestId('browser-backend').textContent()).resolves.toMatch(
        /^(webgl|wasm)$/,
      );
      expect(Number(await page.getByTestId('browser-maxdiff').textContent())).toBeLessThan(1e-3);
      await expect(page.getByTestId('browser-same').textContent()).resolves.toBe('100 %');
    }));

  it("shows the model's labels, confusion matrix and curves", () =>
    onPage(suite, 'models', async ({ page }) => {
      await page.getByRole('link', { name: fx().modelId }).click();
      // The detail loads after the click: poll until its labels are there.
      await expect
        .poll(() => page.getByTestId('labels').locator('li').allTextContents())
        .toEqual(NAMES);
      const confusion = page.getByTestId('confusion');
      await confusion.waitFor();
      expect(await confusion.locator('tbody tr').count()).toBe(NAMES.length);
      const curve = page.locator('[data-testid="loss-plot"] canvas').first();
      await curve.waitFor({ state: 'visible' });
      expect(pixelVariance(await curve.screenshot())).toBeGreaterThan(1);
      await page.waitForLoadState('networkidle');
    }));

  it('lists the training run and shows it with its model', () =>
    onPage(suite, 'runs', async ({ page }) => {
      const row = page.locator('[data-testid="runs"] tbody tr', { hasText: 'phase-train' }).first();
      await row.waitFor();
      await row.locator('a').first().click();
      await expect(page.getByTestId('run-status').textContent()).resolves.toBe('completed');
      await page.getByRole('link', { name: fx().modelId }).waitFor();
      await page.waitForLoadState('networkidle');
    }));
});
