/** Public API of the image formats (PNG, TIFF) and of display scaling/colormaps. */
export { decodePng, encodePng } from './png.js';
export type { DecodedPng, PngHeader, PngWriteOptions } from './png.js';
export { parseTiff } from './tiff-ifd.js';
export type { TiffFile, TiffPage } from './tiff-ifd.js';
export { decodePage, pageLayout } from './tiff.js';
export { encodeTiff } from './tiff-write.js';
export type { TiffWriteOptions } from './tiff-write.js';
export { applyColormap, COLORMAPS, isColormapName } from './colormap.js';
export type { ColormapName } from './colormap.js';
export { isScaling, normalize, SCALINGS } from './scale.js';
export type { ScaleOptions, Scaling } from './scale.js';
export { createPngWriter, pngReader, pngWriter, tiffReader, tiffWriter } from './formats.js';
