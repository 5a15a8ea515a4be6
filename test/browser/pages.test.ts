/**
 * The browser UI in Debian's Chromium against the real server (`createServer`, what `bragg
 * serve` runs) with `data/samples` as its data root: every page loads without a console error,
 * heatmaps draw (a screenshot of the WebGL canvas is not blank), the scale control redraws,
 * a stack gets a frame slider, 1D data a line plot, Simulate draws its pattern and table, and
 * a server error reaches the page as the server's message.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';
import { HAS_CHROMIUM, pixelVariance } from '../support/web/browser.js';
import { browserSuiteTitle, canvasShot, onPage, useBrowserSuite } from '../support/web/suite.js';

/** The page registry's ids and titles (web/src/pages/index.ts). */
const PAGES = [
  ['files', 'Files'],
  ['simulate', 'Simulate'],
  ['runs', 'Runs'],
  ['models', 'Models'],
  ['phase', 'Phase'],
  ['pacbed', 'PACBED'],
  ['peaks', 'Peaks'],
  ['classify', 'Classify'],
] as const;

describe.skipIf(!HAS_CHROMIUM)(browserSuiteTitle('browser UI pages'), () => {
  const suite = useBrowserSuite({
    name: 'pages',
    server: () => ({ data: [join(packageRoot(), 'data', 'samples')] }),
  });

  it('loads every page of the registry with no console error', () =>
    onPage(suite, undefined, async ({ page }) => {
      for (const [id, title] of PAGES) {
        await page.goto(`${suite.url}/#/${id}`);
        await page.waitForLoadState('networkidle');
        await expect(page.locator('nav a.active').textContent()).resolves.toBe(title);
        const boxes = await page.locator('.error').allTextContents();
        expect(boxes, `error box on page ${id}`).toEqual([]);
      }
    }));

  it('draws a 2D file as a heatmap with its metadata tree, and redraws on a log scale', () =>
    onPage(suite, 'files?root=data0&file=au-001.dm4', async ({ page }) => {
      const linear = await canvasShot(page, 'heatmap');
      expect(pixelVariance(linear)).toBeGreaterThan(20);
      await expect(page.getByTestId('metadata-tree').first().isVisible()).resolves.toBe(true);
      await page.getByLabel('scale').selectOption('log');
      const log = await canvasShot(page, 'heatmap');
      expect(pixelVariance(log)).toBeGreaterThan(20);
      expect(Buffer.compare(linear, log)).not.toBe(0);
    }));

  it('reads a stack frame by frame through the frame slider', () =>
    onPage(suite, 'files?root=data0&file=au-zones.nxs', async ({ page }) => {
      const first = await canvasShot(page, 'heatmap');
      const slider = page.getByLabel('frame');
      await expect(slider.getAttribute('max')).resolves.toBe('2');
      const answered = page.waitForResponse((r) => r.url().includes('frame=2') && r.ok());
      await slider.fill('2');
      await answered;
      await page.waitForLoadState('networkidle');
      const third = await canvasShot(page, 'heatmap');
      expect(pixelVariance(third)).toBeGreaterThan(20);
      expect(Buffer.compare(first, third)).not.toBe(0);
    }));

  it('plots a 1D dataset as a line', () =>
    onPage(suite, undefined, async ({ page }) => {
      await page.goto(
        `${suite.url}/#/files?root=data0&file=au-zones.nxs&dataset=${encodeURIComponent('/entry/data/kx')}`,
      );
      const shot = await canvasShot(page, 'lineplot');
      expect(pixelVariance(shot)).toBeGreaterThan(1);
    }));

  it('simulates a bundled structure: reflections, pattern heatmap, and again on a new zone', () =>
    onPage(suite, 'simulate', async ({ page }) => {
      await page.getByLabel('structure').selectOption('au');
      const rows = page.locator('[data-testid="reflections"] tbody tr');
      await rows.first().waitFor();
      expect(await rows.count()).toBeGreaterThan(3);
      await expect(rows.first().locator('td').first().textContent()).resolves.toBe('1 1 1');
      const z001 = await canvasShot(page, 'pattern-heatmap');
      expect(pixelVariance(z001)).toBeGreaterThan(5);
      const answered = page.waitForResponse(
        (r) => r.url().endsWith('/api/simulate/pattern') && r.ok(),
      );
      await page.getByLabel('zone v', { exact: true }).fill('1');
      await answered;
      await page.waitForLoadState('networkidle');
      await expect(page.getByText('Zone-axis pattern [0 1 1]').isVisible()).resolves.toBe(true);
    }));

  it('uploads a file from the Files page and views it from the upload area', () =>
    onPage(suite, 'files', async ({ page }) => {
      await page.getByTestId('roots').locator('li', { hasText: 'uploads' }).waitFor();
      await page
        .getByTestId('upload-input')
        .setInputFiles(join(packageRoot(), 'data', 'samples', 'au-001.npy'));
      await page.waitForURL(/root=uploads/);
      expect(pixelVariance(await canvasShot(page, 'heatmap'))).toBeGreaterThan(20);
      await expect(page.getByTestId('datasets').locator('tbody tr').count()).resolves.toBe(1);
    }));

  it('follows a dataset run submitted through the API to its end, with its shards', () =>
    onPage(suite, undefined, async ({ page }) => {
      const { runId } = await suite.postJson<{ runId: string }>(
        '/api/jobs',
        {
          kind: 'dataset',
          workflow: 'phase',
          config: {
            name: 'web-runs',
            seeds: [3],
            phases: [
              { name: 'au', cif: 'au' },
              { name: 'pbi2-2h', cif: 'pbi2-2h' },
            ],
            orientations: { count: 8 },
            chunkSize: 4,
            // A 128 px detector at 4 × the seed's calibration (as test/e2e/phase.test.ts).
            detector: { size: 128 },
            calibration: { value: 0.0235, jitterPercent: 3 },
            postprocessing: { cropPx: [3, 40] },
          },
        },
        202,
      );
      await page.goto(`${suite.url}/#/runs/${encodeURIComponent(runId)}`);
      // Without a reload: the page follows the run's events until `end`, then reads it again.
      await expect
        .poll(() => page.getByTestId('run-status').textContent(), { timeout: 45_000 })
        .toBe('completed');
      // 1 seed × 2 phases × 2 orientation blocks of 4.
      await expect.poll(() => page.locator('[data-testid="shards"] tbody tr').count()).toBe(4);
      expect(
        await page
          .locator('[data-testid="shards"] .status-done, [data-testid="shards"] .status-completed')
          .count(),
      ).toBe(4);
      await page.goto(`${suite.url}/#/runs`);
      await page.getByRole('link', { name: runId }).waitFor();
    }));

  it("shows a failed request as the server's message", () =>
    onPage(
      suite,
      'files?root=data0&file=no-such-file.dm4',
      async ({ page }) => {
        const box = page.locator('.error').first();
        await box.waitFor();
        const text = await box.textContent();
        expect(text).toMatch(/^NOT_FOUND: /);
        expect(text).toMatch(/no-such-file/);
      },
      { checkErrors: false },
    ));
});
