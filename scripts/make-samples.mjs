#!/usr/bin/env node
// Regenerates the bundled sample files of `bragg demo` (data/samples/) from bragg's own
// simulation and writers, so their provenance is this script: kinematic 200 kV electron
// diffraction patterns of gold (data/structures/au.cif) along [001], [011] and [111].
// Run after `npm run build`: node scripts/make-samples.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../dist/src/formats/npy/index.js';
import { dmBytes } from '../dist/test/support/formats/dm/writer.js';
import { encodeTiff } from '../dist/src/formats/image/tiff-write.js';
import { writeNexus } from '../dist/src/formats/hdf5/index.js';
import { ndarray } from '../dist/src/core/ndarray.js';

const out = 'data/samples';
const tmp = join(out, '.tmp');
mkdirSync(tmp, { recursive: true });
const size = 128;
const cal = 0.02; // Å⁻¹ per pixel
const zones = ['0,0,1', '0,1,1', '1,1,1'];
const frames = [];
for (const z of zones) {
  const f = join(tmp, `au-${z.replaceAll(',', '')}.npy`);
  execFileSync(process.execPath, [
    'bin/bragg.js',
    'simulate',
    'pattern',
    'data/structures/au.cif',
    '--kv',
    '200',
    '--zone',
    z,
    '--size',
    String(size),
    '--calibration',
    String(cal),
    '-o',
    f,
  ]);
  frames.push(await readNpy(f));
}
const img = frames[0];
const data = new Float32Array(img.data);
const axis = (name) => ({ name, size, scale: cal, offset: -cal * (size / 2), units: 'Å⁻¹' });

// NPY and PNG of the [001] pattern.
execFileSync(process.execPath, [
  'bin/bragg.js',
  'convert',
  join(tmp, 'au-001.npy'),
  join(out, 'au-001.npy'),
]);
execFileSync(process.execPath, [
  'bin/bragg.js',
  'convert',
  join(tmp, 'au-001.npy'),
  join(out, 'au-001.png'),
  '--scale',
  'sqrt',
]);

// 16-bit TIFF.
let max = 0;
for (const v of data) max = Math.max(max, v);
const u16 = Uint16Array.from(data, (v) => Math.round((65535 * v) / max));
writeFileSync(join(out, 'au-001.tif'), encodeTiff(ndarray('uint16', [size, size], u16)));

// DM4 with calibration (1/nm, as DM stores diffraction) and microscope metadata.
const le = new Uint8Array(data.buffer.slice(0));
const scaleNm = cal * 10; // 1/Å → 1/nm
const txt = (text) => ({ text });
writeFileSync(
  join(out, 'au-001.dm4'),
  dmBytes({
    version: 4,
    littleEndian: true,
    images: [
      {
        dataType: 2, // float32
        dims: [size, size],
        pixels: le,
        calibrations: [
          { origin: size / 2, scale: scaleNm, units: '1/nm' },
          { origin: size / 2, scale: scaleNm, units: '1/nm' },
        ],
        brightness: { origin: 0, scale: 1, units: 'counts' },
        name: 'Au [001] simulated SAED',
        imageTags: [
          {
            label: 'Microscope Info',
            group: [
              { label: 'Voltage', value: { t: 'float64', v: 200000 } },
              { label: 'Illumination Mode', value: txt('TEM') },
              { label: 'Imaging Mode', value: txt('DIFFRACTION') },
              { label: 'Indicated Magnification', value: { t: 'float64', v: 300 } },
              { label: 'Name', value: txt('bragg kinematic simulation') },
              {
                label: 'Stage Position',
                group: [
                  { label: 'Stage Alpha', value: { t: 'float64', v: 0 } },
                  { label: 'Stage Beta', value: { t: 'float64', v: 0 } },
                ],
              },
            ],
          },
          {
            label: 'DataBar',
            group: [
              { label: 'Acquisition Date', value: txt('11/21/2026') },
              { label: 'Acquisition Time', value: txt('12:00:00 PM') },
              { label: 'Exposure Time (s)', value: { t: 'float64', v: 0.5 } },
            ],
          },
          { label: 'Meta Data', group: [{ label: 'Signal', value: txt('Diffraction') }] },
        ],
      },
    ],
  }),
);

// NeXus stack of the three zones (frame, y, x).
const stack = new Float32Array(3 * size * size);
frames.forEach((f, i) => stack.set(f.data, i * size * size));
await writeNexus(join(out, 'au-zones.nxs'), [
  {
    name: 'data',
    array: ndarray('float32', [3, size, size], stack),
    axes: [{ name: 'frame', size: 3, scale: 1, offset: 0, units: '' }, axis('ky'), axis('kx')],
    metadata: { title: 'Au kinematic patterns along [001], [011], [111], 200 kV' },
  },
]);
rmSync(tmp, { recursive: true, force: true });
console.log('samples written to', out);
