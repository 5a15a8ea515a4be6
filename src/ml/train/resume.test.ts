/**
 * Checkpoints are published whole and resumes verify what they load: a damaged, incomplete or
 * mismatched checkpoint is a typed error naming the file (FormatError) or the option
 * (ValidationError), never a stack trace or a silent retrain from scratch.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BraggError, FormatError, ValidationError } from '../../core/errors.js';
import { toyRun } from '../../../test/support/ml/train/toy-run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A checkpoint directory after one epoch of the toy run, and the folder `last` names. */
async function oneEpoch(): Promise<{ root: string; ck: string }> {
  const root = mkdtempSync(join(tmpdir(), 'bragg-resume-'));
  dirs.push(root);
  await toyRun({ dir: root, epochs: 1 });
  return { root, ck: realpathSync(join(root, 'last')) };
}

/** Replaces a checkpoint file and its manifest entry: damage the checksums cannot see. */
function rewrite(ck: string, name: string, data: string | Buffer): void {
  const bytes = Buffer.from(data);
  writeFileSync(join(ck, name), bytes);
  const manifest = JSON.parse(readFileSync(join(ck, 'manifest.json'), 'utf8')) as {
    files: Record<string, { sha256: string; size: number }>;
  };
  manifest.files[name] = {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.byteLength,
  };
  writeFileSync(join(ck, 'manifest.json'), JSON.stringify(manifest));
}

async function resumeError(root: string, o: Parameters<typeof toyRun>[0] | object = {}) {
  const err = await toyRun({ dir: root, resume: true, ...o }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the resume must fail').toBeInstanceOf(BraggError);
  return err as BraggError;
}

describe('checkpoint publication', () => {
  it('publishes one complete folder per checkpoint, named by the `last` and `best` links', async () => {
    const { root, ck } = await oneEpoch();
    expect(readlinkSync(join(root, 'last'))).toBe(readlinkSync(join(root, 'best')));
    expect(readdirSync(ck).sort()).toEqual([
      'manifest.json',
      'model.json',
      'optimizer.bin',
      'optimizer.json',
      'trainer.json',
      'weights.bin',
    ]);
    const manifest = JSON.parse(readFileSync(join(ck, 'manifest.json'), 'utf8')) as {
      files: Record<string, { sha256: string; size: number }>;
    };
    for (const [name, want] of Object.entries(manifest.files)) {
      const bytes = readFileSync(join(ck, name));
      expect({ name, size: bytes.byteLength }).toEqual({ name, size: want.size });
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(want.sha256);
    }
    const state = JSON.parse(readFileSync(join(ck, 'trainer.json'), 'utf8')) as {
      epoch: number;
      dropout: [number, number][];
    };
    expect(state.epoch).toBe(1);
    expect(state.dropout).toEqual([[11, 5]]); // the dropout layer's seed and calls (5 batches)
  });

  it('a resume removes what a killed run left: temporaries and unnamed checkpoint folders', async () => {
    const { root, ck } = await oneEpoch();
    mkdirSync(join(root, '.ckpt-tmp-ckpt-000002-0badf00d'));
    writeFileSync(join(root, '.ckpt-tmp-ckpt-000002-0badf00d', 'weights.bin'), 'partial');
    mkdirSync(join(root, 'ckpt-000002-deadbeef'));
    writeFileSync(join(root, 'unrelated.txt'), 'kept');
    const r = await toyRun({ dir: root, resume: true, epochs: 1 });
    expect(r.startEpoch).toBe(1);
    expect(readdirSync(root).sort()).toEqual(
      ['best', 'last', ck.split('/').at(-1)!, 'unrelated.txt'].sort(),
    );
  });
});

describe('a resume verifies the checkpoint', () => {
  const damaged: [string, (ck: string) => void, string, RegExp][] = [
    [
      'a truncated trainer.json',
      (ck) => truncate(join(ck, 'trainer.json')),
      'trainer.json',
      /wrong size/,
    ],
    [
      'an empty optimizer.bin',
      (ck) => writeFileSync(join(ck, 'optimizer.bin'), ''),
      'optimizer.bin',
      /wrong size/,
    ],
    ['a bit-flipped weights.bin', (ck) => flip(join(ck, 'weights.bin')), 'weights.bin', /sha256/],
    ['a missing trainer.json', (ck) => rmSync(join(ck, 'trainer.json')), 'trainer.json', /missing/],
    ['a missing model.json', (ck) => rmSync(join(ck, 'model.json')), 'model.json', /missing/],
    [
      'no manifest (incomplete, or from an older bragg)',
      (ck) => rmSync(join(ck, 'manifest.json')),
      'manifest.json',
      /incomplete or from an older bragg/,
    ],
    [
      'a manifest that is not JSON',
      (ck) => writeFileSync(join(ck, 'manifest.json'), '{"fo'),
      'manifest.json',
      /not JSON/,
    ],
    // damage that the checksums cannot see (the manifest rewritten to match)
    [
      'trainer.json cut short, manifest matching',
      (ck) => rewrite(ck, 'trainer.json', '{"version":2,"epo'),
      'trainer.json',
      /not JSON/,
    ],
    [
      'trainer.json without its history',
      (ck) => rewrite(ck, 'trainer.json', JSON.stringify({ ...state(ck), history: [] })),
      'trainer.json',
      /inconsistent.*at history/,
    ],
    [
      'an empty optimizer state, manifest matching',
      (ck) => (rewrite(ck, 'optimizer.json', '[]'), rewrite(ck, 'optimizer.bin', '')),
      'optimizer.json',
      /optimizer state does not match the model's variables.*expected 8 slot tensors/,
    ],
  ];
  for (const [what, damage, file, message] of damaged) {
    it(`${what}: a FormatError naming ${file}`, async () => {
      const { root, ck } = await oneEpoch();
      damage(ck);
      const err = await resumeError(root);
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).file).toBe(join(ck, file));
      expect(err.message).toMatch(message);
    });
  }

  it('a `last` link to a folder that is gone: a FormatError naming the link', async () => {
    const { root, ck } = await oneEpoch();
    rmSync(ck, { recursive: true });
    const err = await resumeError(root);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(join(root, 'last'));
  });

  it('another architecture: a ValidationError of `resume` naming trainer.json and the difference', async () => {
    const { root, ck } = await oneEpoch();
    const err = await resumeError(root, { units: 8 });
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('resume');
    expect(err.message).toContain(join(ck, 'trainer.json'));
    expect(err.message).toMatch(
      /another architecture \(weight 0: checkpoint \[24, 16\], model \[24, 8\]\)/,
    );
  });

  it('another kind of optimiser: a ValidationError of `optimizer`', async () => {
    const { root } = await oneEpoch();
    const err = await resumeError(root, {
      optimizer: { kind: 'sgd', learningRate: 0.01, momentum: 0.9 },
    });
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('optimizer');
    expect(err.message).toMatch(/adam, this run uses sgd with momentum/);
  });

  it('a failed resume leaves the checkpoint as it was: fixed, it resumes', async () => {
    const { root, ck } = await oneEpoch();
    const good = readFileSync(join(ck, 'trainer.json'));
    truncate(join(ck, 'trainer.json'));
    await resumeError(root);
    expect(existsSync(ck)).toBe(true);
    writeFileSync(join(ck, 'trainer.json'), good);
    const r = await toyRun({ dir: root, resume: true, epochs: 2 });
    expect(r.startEpoch).toBe(1);
    expect(r.history).toHaveLength(2);
  });
});

function truncate(file: string): void {
  const b = readFileSync(file);
  writeFileSync(file, b.subarray(0, Math.floor(b.byteLength / 2)));
}

function flip(file: string): void {
  const b = readFileSync(file);
  b[b.byteLength >> 1]! ^= 0x01;
  writeFileSync(file, b);
}

function state(ck: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ck, 'trainer.json'), 'utf8')) as Record<string, unknown>;
}
