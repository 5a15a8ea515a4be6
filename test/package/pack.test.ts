/**
 * The package as a user gets it: `npm pack`, `npm install <tarball>` into an empty project,
 * then `import { … } from 'bragg'` (ESM) and a TypeScript type-check against the shipped
 * declarations. The user's script reads the bundled DM4 sample, simulates a kinematic
 * profile, loads a model bundle bragg wrote, and shows that a typed error is a class. Also
 * checks what ships: the library, its wasm kernels and data, but no tests, test support or
 * bench drivers. Needs the build (`npm test` builds first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';
import { modelArchitecture } from '../../src/ml/models/registry.js';
import { newModelId, saveBundle } from '../../src/ml/store/bundle.js';
import { BUNDLE_FORMAT } from '../../src/ml/store/schema.js';

const root = packageRoot();
const built = existsSync(join(root, 'dist', 'src', 'index.js'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const USER_SCRIPT = `
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FormatError, VERSION, crystalFromCif, kinematicProfile, loadBundle, openAny,
  prepareReflections, seed147Axis, WORKFLOWS,
} from 'bragg';
import { readFileSync } from 'node:fs';

const pkg = join(fileURLToPath(import.meta.resolve('bragg')), '..', '..', '..');
const out = { version: VERSION };

const dm = await openAny(join(pkg, 'data', 'samples', 'au-001.dm4'));
const image = await dm.read(dm.defaultDataset);
out.dm = { format: dm.format, shape: image.array.shape };
await dm.close();

const crystal = crystalFromCif(readFileSync(join(pkg, 'data', 'structures', 'au.cif'), 'utf8'));
const q = seed147Axis();
const profile = kinematicProfile(prepareReflections(crystal, { gMax: 1.5 }), q);
const max = Math.max(...profile);
const peaks = [];
for (let i = 1; i + 1 < profile.length; i++) {
  if (profile[i] > 0.05 * max && profile[i] >= profile[i - 1] && profile[i] > profile[i + 1]) peaks.push(q[i]);
}
out.profile = { n: profile.length, peaks };

const bundle = await loadBundle(process.argv[2]);
out.model = { params: bundle.model.countParams(), labels: bundle.meta.labels };

try {
  await openAny({ bytes: new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]), name: 'cut.npy' });
} catch (e) {
  out.error = { isFormatError: e instanceof FormatError, code: e.code };
}
out.workflows = WORKFLOWS.map((w) => w.name);
process.stdout.write(JSON.stringify(out));
`;

const USER_TS = `
import { openAny, type OpenedFile, type NDArray, ValidationError, type Workflow } from 'bragg';
export async function shape(path: string): Promise<readonly number[]> {
  const f: OpenedFile = await openAny(path);
  const a: NDArray = (await f.read(f.defaultDataset ?? '')).array;
  return a.shape;
}
export const e: ValidationError = new ValidationError('bad', 'field');
export const w: Workflow[] = [];
`;

describe.skipIf(!built)('the packed package (npm pack → npm install → import)', () => {
  let dir: string;
  let tarball: string;
  let modelDir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bragg-pack-'));
    const packed = JSON.parse(
      execFileSync(npm, ['pack', '--json', '--pack-destination', dir], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, packed[0]!.filename);
    await writeFile(join(dir, 'files.json'), JSON.stringify(packed[0]!.files.map((f) => f.path)));
    const project = join(dir, 'project');
    execFileSync('mkdir', ['-p', project]);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'user', version: '1.0.0', type: 'module', private: true }),
    );
    execFileSync(
      npm,
      ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      { cwd: project, stdio: 'ignore' },
    );
    await writeFile(join(project, 'user.mjs'), USER_SCRIPT);
    await writeFile(join(project, 'user.ts'), USER_TS);
    // A small model bundle written by bragg (the repo's code), for the user to load.
    modelDir = join(dir, 'model');
    const arch = modelArchitecture('small2d');
    const model = arch.build(arch.resolve({ size: 16, classes: 3 }), 1);
    await saveBundle(modelDir, model, {
      format: BUNDLE_FORMAT,
      id: newModelId(),
      workflow: 'phase',
      labels: ['a', 'b', 'c'],
      input: { shape: model.inputs[0]!.shape.slice(1) as number[], preprocessing: 'none' },
      architecture: { name: 'small2d', config: {} },
      datasetIds: [],
      training: {},
      metrics: {},
      createdAt: new Date().toISOString(),
      braggVersion: 'test',
    });
    model.dispose();
    tf.disposeVariables();
  }, 600_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships the library, its kernels and data, and no tests, test support or bench drivers', async () => {
    const files = JSON.parse(
      await (await import('node:fs/promises')).readFile(join(dir, 'files.json'), 'utf8'),
    ) as string[];
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('bin/bragg.js');
    expect(files.some((f) => f.startsWith('dist/wasm/') && f.endsWith('.wasm'))).toBe(true);
    expect(files).toContain('data/samples/au-001.dm4');
    expect(files).toContain('dist/web/index.html'); // the browser UI bragg serve serves at /
    expect(
      files.filter((f) => /\.test\.|^dist\/(test|bench)\/|^src\/|^test\/|^bench\//.test(f)),
    ).toEqual([]);
  });

  it('imports as a user would: reads a DM4, simulates a profile, loads a model, typed errors', () => {
    const project = join(dir, 'project');
    const stdout = execFileSync(process.execPath, ['user.mjs', modelDir], {
      cwd: project,
      encoding: 'utf8',
    });
    const out = JSON.parse(stdout) as {
      dm: { format: string; shape: number[] };
      profile: { n: number; peaks: number[] };
      model: { params: number; labels: string[] };
      error: unknown;
      workflows: string[];
    };
    expect(out.dm.format).toBe('dm');
    expect(out.dm.shape.length).toBeGreaterThanOrEqual(2);
    // Au, fcc, a = 4.07825 Å (Wyckoff, Crystal Structures, 2nd ed., Vol. 1, 1963; the bundled
    // au.cif): rings 111 and 200 at q = 1/d = √3/a ≈ 0.4247 and 2/a ≈ 0.4904 Å⁻¹
    // (the seed axis samples q every ≈ 0.0083 Å⁻¹).
    expect(out.profile.n).toBe(147);
    const peaks = out.profile.peaks;
    for (const q of [Math.sqrt(3) / 4.07825, 2 / 4.07825]) {
      expect(Math.min(...peaks.map((p) => Math.abs(p - q)))).toBeLessThan(0.009);
    }
    expect(out.model).toEqual({ params: expect.any(Number), labels: ['a', 'b', 'c'] });
    expect(out.model.params).toBeGreaterThan(0);
    expect(out.error).toEqual({ isFormatError: true, code: 'FORMAT' });
    expect(out.workflows).toEqual(expect.arrayContaining(['phase', 'pacbed']));
  });

  it('type-checks a TypeScript user against the shipped declarations', async () => {
    const project = join(dir, 'project');
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['user.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = (() => {
      try {
        return {
          code: 0,
          out: execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' }),
        };
      } catch (e) {
        return { code: 1, out: String((e as { stdout?: string }).stdout ?? e) };
      }
    })();
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
    expect(await readdir(project)).toContain('node_modules');
  });
});
