/**
 * The peaks page in Debian's Chromium against the real server: a synthetic scan served from the
 * data root is opened, its frame is drawn (the server's overlay PNG), the peak table lists the
 * frame's peaks as `POST /api/peaks/predict` gives them, a click on a row highlights that peak,
 * the volume's three projections are drawn, and no console error is logged.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planScan } from '../../src/workflows/peaks/synthetic/scene.js';
import { writeSyntheticScan } from '../../src/workflows/peaks/synthetic/write-scan.js';
import {
  CHROMIUM_SKIP_REASON,
  HAS_CHROMIUM,
  launchChromium,
  watchedPage,
} from '../support/web/browser.js';
import { startServer, type TestServer } from '../support/web/server.js';

const TITLE = HAS_CHROMIUM
  ? 'browser peaks page'
  : `browser peaks page (skipped: ${CHROMIUM_SKIP_REASON})`;

describe.skipIf(!HAS_CHROMIUM)(TITLE, () => {
  let dir = '';
  let server: TestServer;
  let browser: Browser;
  let framePeaks = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bragg-web-peaks-'));
    mkdirSync(join(dir, 'scans'));
    const plan = planScan({ frames: 6, height: 64, width: 128, seed: 4, density: 3 });
    await writeSyntheticScan(plan, join(dir, 'scans', 's.nxs'), join(dir, 'scans', 's_labels.h5'));
    browser = await launchChromium();
    server = await startServer({ data: [dir], models: join(dir, 'models'), uploads: join(dir, 'uploads') }); // prettier-ignore
    const res = await fetch(`${server.url}/api/peaks/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { root: 'data0', path: 'scans/s.nxs' }, frame: 0 }),
    });
    expect(res.status).toBe(200);
    framePeaks = ((await res.json()) as { results: { peaks: unknown[] }[] }).results[0]!.peaks
      .length;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('opens a served scan: frame drawn, peak table rows, highlight, projections', async () => {
    expect(framePeaks).toBeGreaterThan(0);
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#/peaks`);
    await page.getByLabel('scan path').fill('scans/s.nxs');
    await page.getByTestId('peaks-open').click();
    await page.locator('[data-testid="peaks-scan"], .error').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.error').allTextContents()).toEqual([]);
    await expect(page.getByTestId('peaks-scan').textContent()).resolves.toContain('6 frames of 64 × 128'); // prettier-ignore
    const img = page.getByTestId('peaks-frame').locator('img');
    await img.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => img.evaluate((e) => (e as unknown as { naturalWidth: number }).naturalWidth), {
        timeout: 30_000,
      })
      .toBe(128);
    const rows = page.getByTestId('peaks-table').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(framePeaks);
    await rows.first().click();
    await page.getByTestId('peaks-highlight').waitFor({ timeout: 10_000 });
    await expect(page.getByTestId('peaks-volume').locator('canvas').count()).resolves.toBe(3);
    expect(await page.locator('.error').allTextContents()).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
