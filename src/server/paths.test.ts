import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BraggError, NotFoundError, ValidationError } from '../core/errors.js';
import type { DataRoot } from './paths.js';
import { isInside, openRoots, pathSegments, resolveInRoot } from './paths.js';

let dir: string;
let root: DataRoot;
beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'bragg-paths-')));
  const data = join(dir, 'data');
  mkdirSync(join(data, 'a', 'b'), { recursive: true });
  writeFileSync(join(data, 'a', 'x.npy'), 'x');
  writeFileSync(join(data, '..hidden'), 'h');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  symlinkSync(join(dir, 'secret.txt'), join(data, 'out-file'));
  symlinkSync(dir, join(data, 'out-dir'));
  symlinkSync(join(data, 'a'), join(data, 'in-dir'));
  symlinkSync(join(data, 'loop'), join(data, 'loop'));
  [root] = (await openRoots([data])) as [DataRoot];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refused = (p: string) => () => pathSegments(p);

describe('pathSegments', () => {
  it('splits plain relative paths; "" is the root', () => {
    expect(pathSegments('')).toEqual([]);
    expect(pathSegments('a/b/c.dm4')).toEqual(['a', 'b', 'c.dm4']);
    expect(pathSegments('a/b/')).toEqual(['a', 'b']);
    expect(pathSegments('..hidden')).toEqual(['..hidden']);
  });

  it.each([
    ['..'],
    ['../etc/passwd'],
    ['a/../../x'],
    ['a/./b'],
    ['%2e%2e/x'],
    ['%2E%2E%2Fetc'],
    ['..%2fetc'],
    ['%252e%252e/x'],
    ['%25252e'],
    ['/etc/passwd'],
    ['C:/Windows'],
    ['~/x'],
    ['~root'],
    ['a\\..\\b'],
    ['．．/x'],
    ['a／b'],
    ['a＼b'],
    ['\u2024\u2024/x'],
    ['a\u2215b'],
    ['a\u0000b'],
    ['a%00b'],
    ['a\nb'],
    ['a//b'],
    ['/'],
    ['%e0%a4%a'],
    ['x'.repeat(5000)],
  ])('refuses %j with a ValidationError naming the field', (p) => {
    expect(refused(p)).toThrow(ValidationError);
    try {
      pathSegments(p, 'cif.path');
    } catch (e) {
      expect((e as ValidationError).field).toBe('cif.path');
    }
  });

  it('refuses what is not a string', () => {
    expect(() => pathSegments(42)).toThrow(ValidationError);
    expect(() => pathSegments(['a'])).toThrow(ValidationError);
  });
});

describe('resolveInRoot', () => {
  it('resolves files and folders inside the root, and symlinks that stay inside', async () => {
    expect(await resolveInRoot(root, 'a/x.npy')).toBe(join(root.real, 'a', 'x.npy'));
    expect(await resolveInRoot(root, '')).toBe(root.real);
    expect(await resolveInRoot(root, 'in-dir/x.npy')).toBe(join(root.real, 'a', 'x.npy'));
  });

  it('refuses symlinks leaving the root (file and folder)', async () => {
    await expect(resolveInRoot(root, 'out-file')).rejects.toThrow(ValidationError);
    await expect(resolveInRoot(root, 'out-dir/secret.txt')).rejects.toThrow(/outside its root/);
    await expect(resolveInRoot(root, 'loop')).rejects.toThrow(ValidationError);
  });

  it('a missing file is NOT_FOUND naming the root id, not the server folder', async () => {
    const err = await resolveInRoot(root, 'a/nope.dm4').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain('data0/a/nope.dm4');
    expect((err as Error).message).not.toContain(dir);
  });

  it('openRoots refuses a missing folder, naming data[i]', async () => {
    const err = await openRoots([join(dir, 'nope')]).catch((e: unknown) => e);
    expect((err as ValidationError).field).toBe('data[0]');
  });

  it('property: no generated path ever resolves outside the root', async () => {
    const atoms = [
      '..',
      '.',
      '/',
      '\\',
      '%2e',
      '%2E',
      '%2f',
      '%252e',
      '%25',
      '%00',
      '~',
      'a',
      'b',
      'x.npy',
      'out-dir',
      'out-file',
      'in-dir',
      'loop',
      '．',
      '／',
      '＼',
      '\u2024',
      '\u2215',
      '\u0000',
      'C:',
      '..hidden',
      '%c0%ae',
      '\u00e9',
      'e\u0301',
      '\ufe52',
      ':',
      '*',
      ' ',
    ];
    const arb = fc.array(fc.oneof(fc.constantFrom(...atoms), fc.string({ maxLength: 3 })), {
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(arb, async (parts) => {
        const p = parts.join('');
        try {
          const real = await resolveInRoot(root, p);
          expect(isInside(root.real, real)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(BraggError);
          expect(['VALIDATION', 'NOT_FOUND']).toContain((e as BraggError).code);
        }
      }),
      { numRuns: 600, seed: 12 },
    );
  });
});
