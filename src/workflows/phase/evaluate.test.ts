/**
 * `phase evaluate --pred` of a file that is not there, or of a folder: one NotFoundError that
 * names the file in words (it was Node's raw `ENOENT: no such file or directory, open '…'`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/errors.js';
import { evaluatePredictionFile } from './evaluate.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-evaluate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evaluatePredictionFile: prediction files that cannot be read', () => {
  it('a missing file is a NotFoundError naming it, without the system error text', async () => {
    const file = join(dir, 'missing_probability_pred.npz');
    const err = await evaluatePredictionFile(file, dir, dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe(`prediction file ${file}: no such file`);
    expect(err).toMatchObject({ what: 'file', resource: file });
  });

  it('a folder is a NotFoundError saying so', async () => {
    const err = await evaluatePredictionFile(dir, dir, dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/is a folder, not a \*_probability_pred\.npz file$/);
  });
});
