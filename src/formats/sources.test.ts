/**
 * Every registered reader opens a path, bytes and a stream alike: the same datasets, metadata
 * and data, with the source's name as the file's path; truncated and oversize streams give
 * typed errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { uncalibratedAxis } from '../core/axes.js';
import type { DataArray } from '../core/data-array.js';
import { BraggError, FormatError, ValidationError } from '../core/errors.js';
import { ndarray } from '../core/ndarray.js';
import { packageRoot } from '../core/paths.js';
import type { SourceInput } from '../core/source.js';
import { dmBytes } from '../../test/support/formats/dm/writer.js';
import { openHdf5 } from './hdf5/index.js';
import { h5Client } from './hdf5/index.js';
import { openAny, READERS, readerFor, writerFor } from './registry.js';
import type { OpenedFile } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'bragg-sources-'));
afterAll(async () => {
  await h5Client.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const stack: DataArray = {
  name: '/entry/data/data',
  array: ndarray(
    'float32',
    [3, 4, 5],
    Float32Array.from({ length: 60 }, (_, i) => i * 0.5 - 7),
  ),
  axes: [uncalibratedAxis('frame', 3), uncalibratedAxis('y', 4), uncalibratedAxis('x', 5)],
  metadata: {},
};
const image: DataArray = {
  name: 'image',
  array: ndarray(
    'uint16',
    [4, 5],
    Uint16Array.from({ length: 20 }, (_, i) => i * 1000),
  ),
  axes: [uncalibratedAxis('y', 4), uncalibratedAxis('x', 5)],
  metadata: {},
};

/** One file per registered format, written here or taken from the repository. */
async function samples(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const write = async (name: string, ds: DataArray[]) => {
    out[name] = join(dir, name);
    await writerFor(out[name]).write(out[name], ds);
  };
  await write('stack.npy', [stack]);
  await write('pair.npz', [stack, image]);
  await write('image.png', [image]);
  await write('stack.tif', [stack]);
  await write('stack.h5', [stack]);
  // TFRecord in the AiryNet seed's layout: images (n, h, w) uint16 + labels (n, classes) int16
  const shots = ndarray('uint16', [3, 4, 5], Uint16Array.from({ length: 60 }, (_, i) => i * 7));
  const labels = ndarray('int16', [3, 2], Int16Array.from([1, 0, 0, 1, 1, 1]));
  await write('shots.tfrecord', [
    { name: 'images', array: shots, axes: stack.axes, metadata: {} },
    { name: 'labels', array: labels, axes: [uncalibratedAxis('record', 3), uncalibratedAxis('class', 2)], metadata: {} }, // prettier-ignore
  ]);
  out['table.csv'] = join(dir, 'table.csv');
  writeFileSync(out['table.csv'], 'Path;Thickness;Ok\na.tif;10.5;true\nb.tif;;false\n');
  out['image.dm4'] = join(dir, 'image.dm4');
  const pixels = new Uint8Array(new Uint16Array([1, 2, 3, 4, 5, 6]).buffer);
  writeFileSync(out['image.dm4'], dmBytes({ version: 4, littleEndian: true, images: [{ dataType: 10, dims: [3, 2], pixels, calibrations: [{ origin: 1, scale: 0.5, units: 'nm' }, { origin: 0, scale: 0.5, units: 'nm' }] }] })); // prettier-ignore
  out['rutile.cif'] = join(packageRoot(), 'data', 'structures', 'rutile.cif');
  return out;
}

function chunked(bytes: Uint8Array, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
    })(),
  );
}

/** Everything an opened file says, and every dataset read whole and by frame. */
async function contents(f: OpenedFile): Promise<unknown> {
  const reads: unknown[] = [];
  for (const d of f.datasets) {
    reads.push(await f.read(d.name));
    if (d.shape.length >= 2 && d.role !== 'table') reads.push(await f.read(d.name, { frame: 1 }));
  }
  return {
    format: f.format,
    datasets: f.datasets,
    metadata: f.metadata,
    defaultDataset: f.defaultDataset,
    reads,
  };
}

describe('every reader opens a path, bytes or a stream', () => {
  it('with identical datasets, metadata and data; the path is the source name', async () => {
    const files = await samples();
    const formats = new Set<string>();
    for (const [name, path] of Object.entries(files)) {
      const bytes = new Uint8Array(readFileSync(path));
      const inputs: [SourceInput, string][] = [
        [{ bytes, name: `upload-${name}` }, `upload-${name}`],
        [{ stream: chunked(bytes, 97), name: `stream-${name}` }, `stream-${name}`],
        [{ stream: chunked(bytes, 4096), name: `sized-${name}`, size: bytes.length }, `sized-${name}`], // prettier-ignore
      ];
      const fromPath = await openAny(path);
      formats.add(fromPath.format);
      const want = await contents(fromPath);
      await fromPath.close();
      for (const [input, shown] of inputs) {
        const f = await openAny(input);
        expect(f.path, name).toBe(shown);
        expect(await contents(f), `${name} from ${shown}`).toEqual(want);
        await f.close();
      }
      // readerFor: by magic bytes or by the name's extension, from bytes as from the path
      expect((await readerFor({ bytes, name })).id).toBe((await readerFor(path)).id);
    }
    expect([...formats].sort()).toEqual([...new Set(READERS.map((r) => r.id))].sort());
  });

  it('each reader opens bytes directly (FormatReader.open)', async () => {
    const files = await samples();
    for (const [name, path] of Object.entries(files)) {
      const reader = await readerFor(path);
      const f = await reader.open({ bytes: readFileSync(path), name });
      expect(f.path).toBe(name);
      await f.close();
    }
  });

  it('HDF5 from bytes goes through a private temporary file, removed on close', async () => {
    const files = await samples();
    const f = await openHdf5({ bytes: readFileSync(files['stack.h5']!), name: 'up/../x y.h5' });
    const local = (f as unknown as { local: { path: string } }).local.path;
    expect(local.startsWith(tmpdir())).toBe(true);
    expect(local.endsWith('x_y.h5')).toBe(true);
    expect(existsSync(local)).toBe(true);
    expect(f.path).toBe('up/../x y.h5');
    await f.close();
    expect(existsSync(local)).toBe(false);
  });

  it('truncated streams give typed errors for every format', async () => {
    const files = await samples();
    for (const [name, path] of Object.entries(files)) {
      const bytes = new Uint8Array(readFileSync(path));
      // declared size not reached: the source refuses it
      const cut = { stream: chunked(bytes.subarray(0, 20), 7), name, size: bytes.length };
      await expect(openAny(cut)).rejects.toBeInstanceOf(FormatError);
      // no declared size: the reader sees a short file and refuses it (CSV and CIF are text:
      // a prefix may still be a valid table or block)
      if (name.endsWith('.csv') || name.endsWith('.cif')) continue;
      // (an empty TFRecord file is a valid file of zero records, as TensorFlow reads it)
      const cuts = name.endsWith('.tfrecord') ? [8, Math.floor(bytes.length / 2)] : [0, 8, Math.floor(bytes.length / 2)]; // prettier-ignore
      for (const n of cuts) {
        const err = await openAny({ stream: chunked(bytes.subarray(0, n), 5), name })
          .then(async (f) => {
            for (const d of f.datasets) await f.read(d.name);
            await f.close();
            return undefined;
          })
          .catch((e: unknown) => e);
        expect(err, `${name} cut to ${n} bytes`).toBeInstanceOf(BraggError);
      }
    }
  });

  it('oversize streams are refused with a ValidationError naming the limit', async () => {
    const files = await samples();
    for (const [name, path] of Object.entries(files)) {
      const bytes = new Uint8Array(readFileSync(path));
      const err = await openAny({ stream: chunked(bytes, 64), name }, { maxBytes: bytes.length - 1 }).catch((e: unknown) => e); // prettier-ignore
      expect(err, name).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('maxBytes');
      const ok = await openAny({ stream: chunked(bytes, 64), name }, { maxBytes: bytes.length });
      await ok.close();
    }
  });
});
