/** Public API of the NPY/NPZ format (see npy.ts and npz.ts for what is read and written). */
export { decodeNpy, readNpy, writeNpy } from './npy.js';
export type { DecodedNpy, NpyInfo, NpyWriteOptions } from './npy.js';
export { decodeNpz, listNpz, readNpz, writeNpz } from './npz.js';
export type { NpzMember, NpzWriteOptions } from './npz.js';
export type { NpyHeader, NpyVersion } from './header.js';
export { npyReader, npyWriter, npzReader, npzWriter } from './reader.js';
