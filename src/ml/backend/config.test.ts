/**
 * The backend configuration: defaults, options over a base (errors name the domain field), the
 * environment parsed by one function (errors name the variable), and no environment read
 * anywhere else in src/ml.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import {
  backendConfig,
  backendConfigFromEnv,
  backendConfigKey,
  defaultBackendConfig,
  PARALLEL_MIN_WORK,
} from './config.js';

function fieldOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).field;
  }
  throw new Error('expected a ValidationError');
}

describe('backend configuration', () => {
  it('defaults: auto, all cores, SIMD kernels with fused multiply-add, XNNPACK threads automatic', () => {
    expect(defaultBackendConfig()).toEqual({
      backend: 'auto',
      threads: Math.max(1, availableParallelism()),
      xnnpackThreads: undefined,
      simdKernels: true,
      fma: true,
      parallelMinWork: PARALLEL_MIN_WORK,
    });
  });

  it('reads every variable, and leaves unset or empty ones at the default', () => {
    const c = backendConfigFromEnv({
      BRAGG_BACKEND: 'wasm',
      BRAGG_THREADS: '3',
      BRAGG_XNNPACK_THREADS: '2',
      BRAGG_SIMD_KERNELS: '0',
      BRAGG_WASM_FMA: 'off',
    });
    expect(c).toEqual({
      backend: 'wasm',
      threads: 3,
      xnnpackThreads: 2,
      simdKernels: false,
      fma: false,
      parallelMinWork: PARALLEL_MIN_WORK,
    });
    expect(backendConfigFromEnv({ BRAGG_BACKEND: '', BRAGG_THREADS: '' })).toEqual(
      defaultBackendConfig(),
    );
    expect(backendConfigFromEnv({ BRAGG_WASM_FMA: 'true', BRAGG_SIMD_KERNELS: '1' }).fma).toBe(
      true,
    );
  });

  it('a bad variable is a ValidationError naming the variable', () => {
    expect(fieldOf(() => backendConfigFromEnv({ BRAGG_BACKEND: 'gpu' }))).toBe('BRAGG_BACKEND');
    expect(fieldOf(() => backendConfigFromEnv({ BRAGG_THREADS: '0' }))).toBe('BRAGG_THREADS');
    expect(fieldOf(() => backendConfigFromEnv({ BRAGG_THREADS: 'two' }))).toBe('BRAGG_THREADS');
    expect(fieldOf(() => backendConfigFromEnv({ BRAGG_XNNPACK_THREADS: '99' }))).toBe(
      'BRAGG_XNNPACK_THREADS',
    );
    expect(fieldOf(() => backendConfigFromEnv({ BRAGG_WASM_FMA: 'maybe' }))).toBe('BRAGG_WASM_FMA');
  });

  it('options win over the base (the CLI: flags over the environment); errors name the field', () => {
    const env = backendConfigFromEnv({ BRAGG_BACKEND: 'cpu', BRAGG_THREADS: '3' });
    expect(backendConfig({}, env)).toEqual(env);
    const c = backendConfig({ backend: 'wasm' }, env);
    expect([c.backend, c.threads]).toEqual(['wasm', 3]);
    expect(backendConfig({ threads: 2 }, env).threads).toBe(2);
    expect(fieldOf(() => backendConfig({ backend: 'gpu' as 'cpu' }))).toBe('backend');
    expect(fieldOf(() => backendConfig({ threads: 1.5 }))).toBe('threads');
    expect(fieldOf(() => backendConfig({ xnnpackThreads: 0 }))).toBe('xnnpackThreads');
    expect(fieldOf(() => backendConfig({ parallelMinWork: -1 }))).toBe('parallelMinWork');
    expect(backendConfig({ parallelMinWork: Infinity }).parallelMinWork).toBe(Infinity);
  });

  it('library defaults do not follow the environment', () => {
    const saved = process.env.BRAGG_THREADS;
    try {
      process.env.BRAGG_THREADS = '7';
      process.env.BRAGG_SIMD_KERNELS = '0';
      expect(backendConfig()).toEqual(defaultBackendConfig());
      expect(backendConfig().simdKernels).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.BRAGG_THREADS;
      else process.env.BRAGG_THREADS = saved;
      delete process.env.BRAGG_SIMD_KERNELS;
    }
  });

  it('the key tells every setting apart', () => {
    const base = defaultBackendConfig();
    const keys = [
      base,
      backendConfig({ backend: 'wasm' }),
      backendConfig({ threads: base.threads === 1 ? 2 : 1 }),
      backendConfig({ xnnpackThreads: 1 }),
      backendConfig({ simdKernels: false }),
      backendConfig({ fma: false }),
      backendConfig({ parallelMinWork: 0 }),
      backendConfig({ parallelMinWork: Infinity }),
    ].map(backendConfigKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('no source file under src/ml reads process.env (the environment is read at the edge)', () => {
    const root = join(packageRoot(), 'src', 'ml');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
          // Code only: doc comments may say how the edge calls backendConfigFromEnv.
          const code = readFileSync(p, 'utf8')
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/\/\/.*$/gm, '');
          if (/process\.env\b/.test(code)) offenders.push(relative(root, p));
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
