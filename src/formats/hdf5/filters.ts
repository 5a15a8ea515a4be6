/**
 * HDF5 filters bragg can decode: the ones built into h5wasm's HDF5, and the plugin filters of
 * the `h5wasm-plugins` package (HDF5 filter plugins compiled to WebAssembly side modules). The
 * worker puts the package's `plugins/` folder first on HDF5's plugin search path (what the
 * package's `install_local_plugins` does for Node) and HDF5 loads a plugin the first time a
 * dataset needs it. Which plugins the worker found is what `h5.filters` reports; a dataset
 * with any other filter is refused before HDF5 is asked to read it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One HDF5 filter (registered id, bragg's short name) and the plugin file that provides it. */
export interface FilterInfo {
  id: number;
  name: string;
  /** The plugin library, for a filter that is not built in. */
  plugin?: string;
}

/** Filters built into h5wasm's HDF5. */
export const BUILTIN_FILTERS: readonly FilterInfo[] = [
  { id: 1, name: 'deflate' },
  { id: 2, name: 'shuffle' },
  { id: 3, name: 'fletcher32' },
  { id: 4, name: 'szip' },
  { id: 5, name: 'nbit' },
  { id: 6, name: 'scaleoffset' },
];

/**
 * The plugins of h5wasm-plugins 0.2 and the filter each registers (ids as registered with The
 * HDF Group; the package's `test/default_cd_values.json`).
 */
export const PLUGIN_FILTERS: readonly Required<FilterInfo>[] = [
  { id: 307, name: 'bzip2', plugin: 'libH5Zbz2.so' },
  { id: 32000, name: 'lzf', plugin: 'libH5Zlzf.so' },
  { id: 32001, name: 'blosc', plugin: 'libH5Zblosc.so' },
  { id: 32004, name: 'lz4', plugin: 'libH5Zlz4.so' },
  { id: 32008, name: 'bitshuffle', plugin: 'libH5Zbshuf.so' },
  { id: 32013, name: 'zfp', plugin: 'libH5Zzfp.so' },
  { id: 32015, name: 'zstd', plugin: 'libH5Zzstd.so' },
  { id: 32019, name: 'jpeg', plugin: 'libH5Zjpeg.so' },
  { id: 32022, name: 'bitgroom', plugin: 'libH5Zbitgroom.so' },
  { id: 32023, name: 'bitround', plugin: 'libH5Zbitround.so' },
  { id: 32026, name: 'blosc2', plugin: 'libH5Zblosc2.so' },
];

/** The `plugins/` folder of the installed h5wasm-plugins package, if it is installed. */
export function pluginDirectory(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('h5wasm-plugins/package.json');
    const dir = join(dirname(pkg), 'plugins');
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** `name (id)`, the form file listings use (`bragg info`'s `filters`). */
export function filterLabel(f: { id: number; name: string }): string {
  return `${f.name || 'filter'} (${f.id})`;
}
