/**
 * The phase flow in Debian's Chromium against the real server, end to end: a tiny phase model
 * trained by `bragg phase train` sits in the server's models root; the user picks it, uploads
 * an experimental map (npz), gets the phase map with its legend, reads the probabilities of the
 * pixel under the cursor, the evaluation against the bundled structures, and the same model run
 * in the page with TensorFlow.js. Then the model's page (labels, confusion matrix, curves) and
 * the training run's page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_SKIP_REASON,
  HAS_CHROMIUM,
  distinctColours,
  launchChromium,
  pixelVariance,
  watchedPage,
} from '../support/web/browser.js';
import { makePhaseFixture, PHASES, type PhaseFixture } from '../support/web/phase-model.js';
import { startServer, type TestServer } from '../support/web/server.js';

const TITLE = HAS_CHROMIUM
  ? 'browser phase flow'
  : `browser phase flow (skipped: ${CHROMIUM_SKIP_REASON})`;
const NAMES = PHASES.map((p) => p.name);

describe.skipIf(!HAS_CHROMIUM)(TITLE, () => {
  let dir = '';
  let fx: PhaseFixture;
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bragg-web-phase-'));
    [fx, browser] = await Promise.all([makePhaseFixture(dir), launchChromium()]);
    server = await startServer({
      data: [join(dir, 'maps')],
      models: fx.modelsDir,
      uploads: join(dir, 'uploads'),
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a map: phase map with legend, pixel probabilities, evaluation, the same in TF.js', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#/phase`);
    const model = page.getByLabel('model');
    await expect(model.locator('option').first().getAttribute('value')).resolves.toBe(fx.modelId);
    await page.getByTestId('map-input').setInputFiles(fx.mapFile);

    const map = page.getByTestId('phase-map');
    // The prediction, or the server's error (shown in an error box), whichever comes first.
    await page.locator('[data-testid="phase-map"], .error').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.error').allTextContents()).toEqual([]);
    await expect(map.getAttribute('width')).resolves.toBe(String(fx.nx));
    await expect(map.getAttribute('height')).resolves.toBe(String(fx.ny));
    const legend = await page.getByTestId('legend').locator('li').allTextContents();
    expect(legend.map((l) => l.trim().split(' ')[0])).toEqual(NAMES);
    const shot = await map.screenshot();
    expect(pixelVariance(shot) + distinctColours(shot)).toBeGreaterThan(1);

    // The pixel under the cursor: one probability per phase, summing to 1.
    const box = (await map.boundingBox())!;
    const [px, py] = [2, 4];
    await page.mouse.move(
      box.x + (box.width * (px + 0.5)) / fx.nx,
      box.y + (box.height * (py + 0.5)) / fx.ny,
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
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the model's labels, confusion matrix and curves", async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#/models`);
    await page.getByRole('link', { name: fx.modelId }).click();
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
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the training run and shows it with its model', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#/runs`);
    const row = page.locator('[data-testid="runs"] tbody tr', { hasText: 'phase-train' }).first();
    await row.waitFor();
    await row.locator('a').first().click();
    await expect(page.getByTestId('run-status').textContent()).resolves.toBe('completed');
    await page.getByRole('link', { name: fx.modelId }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(errors).toEqual([]);
    await page.close();
  });
});
