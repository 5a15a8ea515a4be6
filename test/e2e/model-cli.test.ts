/**
 * `bragg model import | predict | show` end to end: Keras-layout HDF5 files written by h5py
 * (test/support/ml/keras/make_keras_h5.py), imported as bundles, run on NPY batches; the
 * predictions equal the script's numpy forward pass within 1e-5 (relative on values ≥ 1,
 * absolute below: the outputs are probabilities).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { packageRoot } from '../../src/core/paths.js';
import { loadBundle, newModelId, saveBundle } from '../../src/ml/store/bundle.js';
import { BUNDLE_FORMAT } from '../../src/ml/store/schema.js';
import { runBragg } from '../support/cli/spawn.js';
import {
  KERAS_SKIP_REASON,
  kerasPython,
  makeKerasFixtures,
  maxRelError,
  readNpyFloat,
} from '../support/ml/keras/fixtures.js';

const have = kerasPython() !== undefined;
const built = existsSync(join(packageRoot(), 'dist', 'src', 'cli', 'commands', 'model.js'));
let dir = '';
beforeAll(() => {
  if (have) dir = makeKerasFixtures();
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run `bragg …` in this process; returns the exit code and what went to stdout. */
async function bragg(...args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += typeof s === 'string' ? s : Buffer.from(s).toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(['node', 'bragg', ...args]);
    return { code, stdout };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

describe.skipIf(!have)(`bragg model (CLI) ${have ? '' : KERAS_SKIP_REASON}`, () => {
  it('import → predict gives the numpy reference outputs; show lists the source', async () => {
    for (const [file, stem] of [
      ['func.h5', 'func'],
      ['seq.h5', 'seq'],
      ['func-k3.h5', 'func'],
    ] as const) {
      const b = join(dir, `${file}.bundle`);
      const imp = await bragg(
        'model',
        'import',
        join(dir, file),
        '-o',
        b,
        '--backend',
        'cpu',
        '--json',
      );
      expect(imp.code).toBe(0);
      const summary = JSON.parse(imp.stdout) as {
        source: { sha256: string; kerasVersion: string };
      };
      expect(summary.source.sha256).toMatch(/^[0-9a-f]{64}$/);
      const out = join(dir, `${stem}.${file}.pred.npy`);
      const pred = await bragg(
        'model',
        'predict',
        b,
        join(dir, `${stem}.input.npy`),
        '-o',
        out,
        '--batch',
        '1',
        '--backend',
        'cpu',
      );
      expect(pred.code).toBe(0);
      const y = readNpyFloat(out);
      const ref = readNpyFloat(join(dir, `${stem}.output.npy`));
      expect(y.shape).toEqual(ref.shape);
      expect(maxRelError(y.data, ref.data)).toBeLessThan(1e-5);
    }
    const show = await bragg('model', 'show', join(dir, 'func.h5.bundle'), '--json');
    const meta = JSON.parse(show.stdout) as {
      architecture: { name: string; config: Record<string, unknown> };
    };
    expect(meta.architecture.name).toBe('keras-import');
    expect(meta.architecture.config.kerasVersion).toBe('2.9.0');
    expect(meta.architecture.config.source).toBe('func.h5');
    const bundle = await loadBundle(join(dir, 'func.h5.bundle'));
    expect(bundle.meta.labels).toEqual(['0', '1', '2', '3']);
    bundle.model.dispose();
  });

  it('a weights-only file imports with --config and --labels', async () => {
    const b = join(dir, 'w.bundle');
    const r = await bragg(
      'model',
      'import',
      join(dir, 'seq.weights.h5'),
      '--config',
      join(dir, 'seq.json'),
      '--labels',
      'a,b,c',
      '-o',
      b,
      '--backend',
      'cpu',
    );
    expect(r.code).toBe(0);
    const out = join(dir, 'w.pred.npy');
    expect(
      (
        await bragg(
          'model',
          'predict',
          b,
          join(dir, 'seq.input.npy'),
          '-o',
          out,
          '--backend',
          'cpu',
        )
      ).code,
    ).toBe(0);
    expect(
      maxRelError(readNpyFloat(out).data, readNpyFloat(join(dir, 'seq.output.npy')).data),
    ).toBeLessThan(1e-5);
  });

  it('a two-input model (PACBED-CNN layout: image + convergence angle) predicts from two NPYs', async () => {
    const b = join(dir, 'pacbed.bundle');
    expect(
      (await bragg('model', 'import', join(dir, 'pacbed.h5'), '-o', b, '--backend', 'cpu')).code,
    ).toBe(0);
    const out = join(dir, 'pacbed.pred.npy');
    const inputs = [join(dir, 'pacbed.input.npy'), join(dir, 'pacbed.conv_angle.npy')];
    expect(
      (await bragg('model', 'predict', b, ...inputs, '-o', out, '--backend', 'cpu')).code,
    ).toBe(0);
    const ref = readNpyFloat(join(dir, 'pacbed.output.npy'));
    expect(maxRelError(readNpyFloat(out).data, ref.data)).toBeLessThan(1e-5);
    // one array for a two-input model: exit 1
    expect(
      (await bragg('model', 'predict', b, inputs[0]!, '-o', out, '--backend', 'cpu')).code,
    ).toBe(1);
  });

  it('predict runs a bundle bragg trained as well (same numbers as model.predict)', async () => {
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [10, 10, 3] });
    const f = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const init = tf.initializers.glorotUniform({ seed: 3 });
    const y = tf.layers
      .dense({ units: 3, activation: 'softmax', kernelInitializer: init })
      .apply(f);
    const m = tf.model({ inputs: input, outputs: y as tf.SymbolicTensor });
    const b = join(dir, 'own.bundle');
    await saveBundle(b, m, {
      format: BUNDLE_FORMAT,
      id: newModelId(),
      workflow: 'classify',
      labels: ['a', 'b', 'c'],
      input: { shape: [10, 10, 3], preprocessing: 'none' },
      architecture: { name: 'test', config: {} },
      datasetIds: [],
      training: {},
      metrics: {},
      createdAt: new Date().toISOString(),
      braggVersion: '0',
    });
    const x = readNpyFloat(join(dir, 'func.input.npy'));
    const want = tf.tidy(() => (m.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync());
    m.dispose();
    const out = join(dir, 'own.pred.npy');
    expect(
      (
        await bragg(
          'model',
          'predict',
          b,
          join(dir, 'func.input.npy'),
          '-o',
          out,
          '--backend',
          'cpu',
        )
      ).code,
    ).toBe(0);
    expect(Array.from(readNpyFloat(out).data)).toEqual(Array.from(want));
  });

  it('bad files and inputs exit 1 without writing', async () => {
    for (const bad of [
      'bad-unsupported.h5',
      'bad-mismatch.h5',
      'bad-truncated.h5',
      'bad-notkeras.h5',
    ]) {
      const b = join(dir, `${bad}.bundle`);
      expect(
        (await bragg('model', 'import', join(dir, bad), '-o', b, '--backend', 'cpu')).code,
      ).toBe(1);
      expect(existsSync(join(b, 'bragg.json'))).toBe(false);
    }
    // an input of the wrong shape for the model
    const wrong = join(dir, 'wrong.pred.npy');
    const r = await bragg(
      'model',
      'predict',
      join(dir, 'func.h5.bundle'),
      join(dir, 'seq.input.npy'),
      '-o',
      wrong,
      '--backend',
      'cpu',
    );
    expect(r.code).toBe(1);
    expect(existsSync(wrong)).toBe(false);
  });

  it.skipIf(!built)(
    `the built CLI prints one line and no stack for an unsupported layer${built ? '' : ' (dist/ not built)'}`,
    async () => {
      const r = await runBragg(
        ['model', 'import', join(dir, 'bad-unsupported.h5'), '-o', join(dir, 'x.bundle')],
        { reader: 'all' },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/'lstm_1' \(LSTM\)/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
