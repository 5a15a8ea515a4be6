/**
 * The Runs page's "New run" form in Debian's Chromium against the real server: a small phase
 * dataset sweep submitted through the form (bundled structures, the form's defaults made
 * smaller) is followed live to `completed` on its detail page; a bad sweep (a detector smaller
 * than the schema allows) gets the server's 400 message next to the field it names, and the
 * training form offers the completed dataset run.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';
import { HAS_CHROMIUM } from '../support/web/browser.js';
import { browserSuiteTitle, onPage, useBrowserSuite } from '../support/web/suite.js';

describe.skipIf(!HAS_CHROMIUM)(browserSuiteTitle('browser new-run form'), () => {
  const suite = useBrowserSuite({
    name: 'new-run',
    server: () => ({ data: [join(packageRoot(), 'data', 'samples')] }),
  });

  it('refuses a bad sweep with the server’s message next to its field', () =>
    onPage(
      suite,
      'runs',
      async ({ page }) => {
        await page.getByRole('button', { name: 'New run' }).click();
        const form = page.getByTestId('new-run');
        await form.getByLabel('detector size').fill('8');
        await form.getByRole('button', { name: 'Submit' }).click();
        const err = form.getByTestId('error-detector');
        await err.waitFor();
        const text = (await err.textContent()) ?? '';
        expect(text).toContain('config.detector.size');
        // the message is the server's (zod's minimum of the sweep schema), not the page's
        expect(text).toMatch(/16/);
        // the field error sits inside the detector field, and nowhere else
        await expect(form.locator('[data-field="detector"] [role="alert"]').count()).resolves.toBe(1); // prettier-ignore
        await expect(form.locator('[role="alert"]').count()).resolves.toBe(1);
        expect(page.url()).toMatch(/#\/runs$/);
      },
      // the only console error is the browser's own line about the 400 response
      { allow: /status of 400/ },
    ));

  it(
    'submits a small dataset sweep and follows it live to completed',
    () =>
      onPage(suite, 'runs', async ({ page }) => {
        await page.getByRole('button', { name: 'New run' }).click();
        const form = page.getByTestId('new-run');
        // the bundled structures are listed (the form's default phases among them)
        await form.locator('option[value="pbi2-2h"]').waitFor({ state: 'attached' });
        await expect(
          form
            .getByLabel('phases')
            .evaluate((s: { selectedOptions: ArrayLike<{ value: string }> }) =>
              Array.from(s.selectedOptions, (o) => o.value),
            ),
        ).resolves.toEqual(['au', 'pbi2-2h']);
        await form.getByLabel('name').fill('browser-form');
        await form.getByLabel('orientations').fill('6');
        await form.getByLabel('chunk size').fill('6');
        await form.getByRole('button', { name: 'Submit' }).click();
        // the run's detail page, which follows the run's events
        await page.getByTestId('run-detail').waitFor();
        expect(page.url()).toMatch(/#\/runs\/[^/]+$/);
        const status = page.getByTestId('run-status');
        await page.waitForFunction(
          "document.querySelector('[data-testid=\"run-status\"]')?.textContent === 'completed'",
          undefined,
          { timeout: 120_000 },
        );
        await expect(status.textContent()).resolves.toBe('completed');
        const shards = await page.getByTestId('shards').locator('tbody tr').count();
        expect(shards).toBeGreaterThan(0);

        // the training form offers the dataset run just made
        const runId = decodeURIComponent(page.url().split('/').pop()!);
        await page.goto(`${suite.url}/#/runs`);
        await page.getByRole('button', { name: 'New run' }).click();
        await page.getByTestId('new-run').getByLabel('kind').selectOption('train');
        // the runs are fetched after the form opens: wait for the option, then read the choice
        const datasetRun = page.getByTestId('new-run').getByLabel('dataset run');
        await datasetRun.locator(`option[value="${runId}"]`).waitFor({ state: 'attached' });
        await expect(datasetRun.inputValue()).resolves.toBe(runId);
      }),
    180_000,
  );
});
