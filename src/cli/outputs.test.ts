import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { checkOutputDir, checkOutputFile } from './outputs.js';

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-outputs-'));
  file = join(dir, 'a-file');
  await writeFile(file, 'x');
  await mkdir(join(dir, 'sub'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(p: Promise<void>): Promise<ValidationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

describe('outputs checked before the work', () => {
  it('a file output in a writable folder passes and leaves nothing behind', async () => {
    await checkOutputFile(join(dir, 'sub', 'out.npz'));
    expect(await readdir(join(dir, 'sub'))).toEqual([]);
  });

  it('a file output onto a folder, in a missing folder, under a file or on a read-only mount is refused, naming the path', async () => {
    expect((await refusal(checkOutputFile(join(dir, 'sub')))).message).toBe(
      `output: cannot write ${join(dir, 'sub')}: it is a folder`,
    );
    const missing = join(dir, 'nope', 'deeper', 'x.npz');
    expect((await refusal(checkOutputFile(missing))).message).toContain(
      `the folder ${join(dir, 'nope', 'deeper')} does not exist`,
    );
    const under = join(file, 'x.npz');
    expect((await refusal(checkOutputFile(under, 'png'))).message).toBe(
      `png: cannot write ${under}: ${file} is a file, not a folder`,
    );
    // /sys refuses new files even to root (permission bits would not tell)
    const sys = await refusal(checkOutputFile('/sys/bragg-outputs-test.npz'));
    expect(sys.message).toMatch(/^output: cannot write \/sys\/bragg-outputs-test\.npz: /);
  });

  it('a folder output may be created under an existing folder, not where a file is', async () => {
    await checkOutputDir(join(dir, 'new', 'deeper'));
    await checkOutputDir(join(dir, 'sub'));
    expect((await refusal(checkOutputDir(file))).message).toContain('it is a file');
    expect((await refusal(checkOutputDir(join(file, 'x')))).message).toContain(
      `${file} is a file, not a folder`,
    );
  });
});
