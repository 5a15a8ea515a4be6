/**
 * A shard as HDF5 in the seed pipeline's layout (STUDY.md §4.5): datasets under `/1d`
 * (`x_all`, `y_all`, `x_all_q_axis`, `x_px`, `y_px`, …) and a `/metadata` group whose
 * attributes are `phases`, `id`, `summary`, `timestamp`, with the dataset `metadata_json`.
 * Written through the HDF5 module's h5wasm worker (src/formats/hdf5), which stores fixed
 * object times: the bytes are a function of `arrays`.
 */
import { resolve } from 'node:path';
import type { NDArray } from '../../../core/ndarray.js';
import { BraggError } from '../../../core/errors.js';
import { h5Client } from '../../../formats/hdf5/index.js';
import type { WorkerRequest, WriteAttr } from '../../../formats/hdf5/protocol.js';

const DTYPE: Partial<Record<NDArray['dtype'], string>> = {
  float32: '<f',
  float64: '<d',
  int32: '<i',
};

/** Write `arrays` (keys `1d/...`, `metadata/...`) to `path`. */
export async function writeShardHdf5(
  path: string,
  arrays: Readonly<Record<string, NDArray>>,
): Promise<void> {
  const file = resolve(path);
  const call = (req: WorkerRequest, what: string, h5path?: string) =>
    h5Client.call(req, file, what, undefined, [], h5path);
  const c = await call({ op: 'create', path: file }, 'creating');
  if (c.op !== 'create') throw new BraggError('INTERNAL', `HDF5 worker answered ${c.op} to create`);
  const handle = c.handle;
  const gen = h5Client.generation;
  try {
    const meta: WriteAttr[] = [];
    await call({ op: 'group', handle, path: '/1d', attrs: [] }, 'writing', '/1d');
    await call({ op: 'group', handle, path: '/metadata', attrs: [] }, 'writing', '/metadata');
    for (const [key, a] of Object.entries(arrays)) {
      const [group, name] = key.split('/') as [string, string];
      if (group === 'metadata' && name !== 'metadata_json') {
        const strings = a.data as string[];
        meta.push({ name, value: a.shape.length === 0 ? strings[0]! : [...strings] });
        continue;
      }
      const path = `/${key}`;
      if (a.dtype === 'string') {
        await call(
          {
            op: 'dataset',
            handle,
            path,
            dtype: 'vlen-str',
            shape: [...a.shape],
            data: [...(a.data as string[])],
            attrs: [],
          },
          'writing',
          path,
        );
        continue;
      }
      const dtype = DTYPE[a.dtype];
      if (!dtype) throw new BraggError('INTERNAL', `no HDF5 type for ${a.dtype} (${key})`);
      await call(
        {
          op: 'dataset',
          handle,
          path,
          dtype,
          shape: [...a.shape],
          data: a.data as Float32Array,
          attrs: [],
        },
        'writing',
        path,
      );
    }
    await call({ op: 'attrs', handle, path: '/metadata', attrs: meta }, 'writing', '/metadata');
  } finally {
    if (h5Client.generation === gen) await call({ op: 'close', handle }, 'closing');
  }
}
