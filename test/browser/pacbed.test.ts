/**
 * The PACBED page in Debian's Chromium against the real server: tiny thickness and mistilt CNNs
 * registered in the server's models root (Rutile, 80 kV, [0 0 1], 19…21 mrad); the page offers
 * that key and range, a DM4 chosen (and one dropped) gives the thickness, mistilt and scale the
 * API gives for the same file, the two probability curves with one point per class, and the
 * server's figure; an angle outside the range shows the server's error naming the field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, pixelVariance } from '../support/web/browser.js';
import { browserSuiteTitle, dropFile, onPage, useBrowserSuite } from '../support/web/suite.js';
import { writePacbedDm4 } from '../support/workflows/pacbed/dm4.js';
import { tinyPacbedModels, tinyPattern, TINY_SIDE } from '../support/workflows/pacbed/tiny-models.js'; // prettier-ignore

interface Target {
  value: number;
  labels: number[];
}

describe.skipIf(!HAS_CHROMIUM)(browserSuiteTitle('browser PACBED page'), () => {
  const suite = useBrowserSuite({
    name: 'pacbed',
    timeoutMs: 120_000,
    async prepare(dir) {
      const dm4 = join(dir, 'measured.dm4');
      writePacbedDm4(dm4, tinyPattern(20, 1), TINY_SIDE, TINY_SIDE);
      await tinyPacbedModels(join(dir, 'table'), join(dir, 'models', 'pacbed'));
      return { dm4 };
    },
  });
  let expected: { thickness: Target; mistilt: Target; scale: number };
  beforeAll(async () => {
    expected = await suite.postJson('/api/pacbed/predict', {
      input: { root: 'data0', path: 'measured.dm4' },
      material: 'Rutile',
      kv: 80,
      zone: [0, 0, 1],
      convAngle: 20,
    });
  });

  it('predicts a chosen DM4: values as the API, probability curves, the figure', () =>
    onPage(suite, 'pacbed', async ({ page }) => {
      const key = page.getByLabel('key');
      await expect
        .poll(() => key.locator('option').allTextContents())
        .toEqual(['Rutile, 80 kV, [0 0 1] (no scale CNN)']);
      await expect(page.getByLabel('convergence angle').inputValue()).resolves.toBe('20');
      await page.getByTestId('pacbed-input').setInputFiles(suite.fixture.dm4);
      await page.locator('[data-testid="pacbed-result"], .error').first().waitFor({ timeout: 30_000 }); // prettier-ignore
      expect(await page.locator('.error').allTextContents()).toEqual([]);
      await expect(page.getByTestId('pacbed-thickness').locator('td').first().textContent()).resolves.toBe(`${expected.thickness.value} Å`); // prettier-ignore
      await expect(page.getByTestId('pacbed-mistilt').locator('td').first().textContent()).resolves.toBe(`${expected.mistilt.value} mrad`); // prettier-ignore
      await expect(page.getByTestId('pacbed-scale').locator('td').first().textContent()).resolves.toBe(expected.scale.toFixed(4)); // prettier-ignore
      for (const [name, t] of [
        ['thickness', expected.thickness],
        ['mistilt', expected.mistilt],
      ] as const) {
        const curve = page.getByTestId(`pacbed-curve-${name}`);
        expect(await curve.getByTestId('pacbed-point').count()).toBe(t.labels.length);
      }
      const fig = page.getByTestId('pacbed-figure');
      await expect.poll(() => fig.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(600); // prettier-ignore
      expect(pixelVariance(await fig.screenshot())).toBeGreaterThan(1);
    }));

  it('predicts a dropped DM4, and shows the server’s error for an angle out of range', () =>
    onPage(
      suite,
      'pacbed',
      async ({ page }) => {
        await expect.poll(() => page.getByLabel('key').locator('option').count()).toBe(1);
        const bytes = readFileSync(suite.fixture.dm4);
        await dropFile(page, 'pacbed-drop', 'dropped.dm4', bytes);
        await page.locator('[data-testid="pacbed-result"], .error').first().waitFor({ timeout: 30_000 }); // prettier-ignore
        await expect(page.getByTestId('pacbed-thickness').locator('td').first().textContent()).resolves.toBe(`${expected.thickness.value} Å`); // prettier-ignore
        await page.getByLabel('convergence angle').fill('30');
        await dropFile(page, 'pacbed-drop', 'dropped.dm4', bytes);
        const err = page.locator('.error');
        await err.waitFor({ timeout: 30_000 });
        await expect(err.textContent()).resolves.toMatch(/convAngle: 30 mrad is outside the range/);
      },
      // the failed request's 400 is the one console error the page logs
      { allow: /status of 400/ },
    ));
});
