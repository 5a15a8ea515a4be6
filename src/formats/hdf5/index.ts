/** HDF5 / NeXus through h5wasm: public API of the format. */
export { hdf5Reader, openHdf5, selectionBounds, resolveExternal } from './reader.js';
export type { Hdf5File } from './reader.js';
export { hdf5Writer, writeNexus } from './writer.js';
export { findPlottable, frameStacks, nxdataPlottable } from './nexus.js';
export type { AxisRef, PlottableData } from './nexus.js';
export { h5 as h5Client } from './client.js';
