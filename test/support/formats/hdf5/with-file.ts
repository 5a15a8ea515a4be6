/** Open an HDF5 file, run `fn` on it, close it whatever happens. */
import { openHdf5, type Hdf5File } from '../../../../src/formats/hdf5/index.js';

export async function withFile<T>(path: string, fn: (f: Hdf5File) => Promise<T>): Promise<T> {
  const f = await openHdf5(path);
  try {
    return await fn(f);
  } finally {
    await f.close();
  }
}
