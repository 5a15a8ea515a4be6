/**
 * The PACBED page in Debian's Chromium against the real server: tiny thickness and mistilt CNNs
 * registered in the server's models root (Rutile, 80 kV, [0 0 1], 19…21 mrad); the page offers
 * that key and range, a DM4 chosen (and one dropped) gives the thickness, mistilt and scale the
 * API gives for the same file, the two probability curves with one point per class, and the
 * server's figure; an angle outside the range shows the server's error naming the field.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_SKIP_REASON,
  HAS_CHROMIUM,
  launchChromium,
  pixelVariance,
  watchedPage,
} from '../support/web/browser.js';
import { startServer, type TestServer } from '../support/web/server.js';
import { writePacbedDm4 } from '../support/workflows/pacbed/dm4.js';
import { tinyPacbedModels, tinyPattern, TINY_SIDE } from '../support/workflows/pacbed/tiny-models.js'; // prettier-ignore

const TITLE = HAS_CHROMIUM
  ? 'browser PACBED page'
  : `browser PACBED page (skipped: ${CHROMIUM_SKIP_REASON})`;

interface Target {
  value: number;
  labels: number[];
}

describe.skipIf(!HAS_CHROMIUM)(TITLE, () => {
  let dir = '';
  let dm4 = '';
  let server: TestServer;
  let browser: Browser;
  let expected: { thickness: Target; mistilt: Target; scale: number };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bragg-web-pacbed-'));
    dm4 = join(dir, 'measured.dm4');
    writePacbedDm4(dm4, tinyPattern(20, 1), TINY_SIDE, TINY_SIDE);
    [, browser] = await Promise.all([
      tinyPacbedModels(join(dir, 'table'), join(dir, 'models', 'pacbed')),
      launchChromium(),
    ]);
    server = await startServer({ data: [dir], models: join(dir, 'models'), uploads: join(dir, 'uploads') }); // prettier-ignore
    const res = await fetch(`${server.url}/api/pacbed/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { root: 'data0', path: 'measured.dm4' }, material: 'Rutile', kv: 80, zone: [0, 0, 1], convAngle: 20 }), // prettier-ignore
    });
    expect(res.status).toBe(200);
    expected = (await res.json()) as typeof expected;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('predicts a chosen DM4: values as the API, probability curves, the figure', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#/pacbed`);
    const key = page.getByLabel('key');
    await expect
      .poll(() => key.locator('option').allTextContents())
      .toEqual(['Rutile, 80 kV, [0 0 1] (no scale CNN)']);
    await expect(page.getByLabel('convergence angle').inputValue()).resolves.toBe('20');
    await page.getByTestId('pacbed-input').setInputFiles(dm4);
    await page.locator('[data-testid="pacbed-result"], .error').first().waitFor({ timeout: 30_000 }); // prettier-ignore
    expect(await page.locator('.error').allTextContents()).toEqual([]);
    await expect(page.getByTestId('pacbed-thickness').locator('td').first().textContent()).resolves.toBe(`${expected.thickness.value} Å`); // prettier-ignore
    await expect(page.getByTestId('pacbed-mistilt').locator('td').first().textContent()).resolves.toBe(`${expected.mistilt.value} mrad`); // prettier-ignore
    await expect(page.getByTestId('pacbed-scale').locator('td').first().textContent()).resolves.toBe(expected.scale.toFixed(4)); // prettier-ignore
    for (const [name, t] of [
      ['thickness', expected.thickness],
      ['mistilt', expected.mistilt],
    ] as const) {
      // prettier-ignore
      const curve = page.getByTestId(`pacbed-curve-${name}`);
      expect(await curve.getByTestId('pacbed-point').count()).toBe(t.labels.length);
    }
    const fig = page.getByTestId('pacbed-figure');
    await expect.poll(() => fig.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(600); // prettier-ignore
    expect(pixelVariance(await fig.screenshot())).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('predicts a dropped DM4, and shows the server’s error for an angle out of range', async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${server.url}/#/pacbed`);
    await expect.poll(() => page.getByLabel('key').locator('option').count()).toBe(1);
    const bytes = [...readFileSync(dm4)];
    const drop = async () => {
      const dt = await page.evaluateHandle((b) => {
        // runs in the page: the DOM's DataTransfer and File (not in Node's types)
        const g = globalThis as unknown as {
          DataTransfer: new () => { items: { add(f: unknown): void } };
          File: new (parts: unknown[], name: string) => unknown;
        };
        const t = new g.DataTransfer();
        t.items.add(new g.File([new Uint8Array(b)], 'dropped.dm4'));
        return t;
      }, bytes);
      await page.getByTestId('pacbed-drop').dispatchEvent('drop', { dataTransfer: dt });
    };
    await drop();
    await page.locator('[data-testid="pacbed-result"], .error').first().waitFor({ timeout: 30_000 }); // prettier-ignore
    await expect(page.getByTestId('pacbed-thickness').locator('td').first().textContent()).resolves.toBe(`${expected.thickness.value} Å`); // prettier-ignore
    await page.getByLabel('convergence angle').fill('30');
    await drop();
    const err = page.locator('.error');
    await err.waitFor({ timeout: 30_000 });
    await expect(err.textContent()).resolves.toMatch(/convAngle: 30 mrad is outside the range/);
    // the failed request's 400 is the one console error the page logs
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await page.close();
  });
});
