/** A PACBED pattern as a DM4 file (float32, little-endian), with the test DM writer. */
import { writeDmFile } from '../../formats/dm/writer.js';

/** DM ImageData.DataType of float32 pixels. */
const DM_FLOAT32 = 2;

export function writePacbedDm4(path: string, data: Float32Array, ny: number, nx: number): void {
  const bytes = new Uint8Array(
    data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
  );
  writeDmFile(path, {
    version: 4,
    littleEndian: true,
    images: [{ dataType: DM_FLOAT32, dims: [nx, ny], pixels: bytes, name: 'PACBED' }],
  });
}
