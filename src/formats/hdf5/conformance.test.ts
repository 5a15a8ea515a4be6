/**
 * Conformance: the HDF5/NeXus files of ../shared/data, checked against MANIFEST.md §2
 * (values there are quoted from the source repositories' tests or derived with h5py).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataArray } from '../../core/data-array.js';
import { FormatError, UnsupportedError } from '../../core/errors.js';
import { toFloat64 } from '../../core/ndarray.js';
import { sharedDataDir } from '../../core/paths.js';
import { openAny } from '../registry.js';
import { h5Client, type Hdf5File } from './index.js';
import { withFile } from '../../../test/support/formats/hdf5/with-file.js';

const dir = sharedDataDir();
const nx = (p: string): string => join(dir, 'nexus', 'exampledata', p);
const h5 = (p: string): string => join(dir, 'hdf5', p);

const sum = (d: DataArray): number => toFloat64(d.array).reduce((a, b) => a + b, 0);
const info = (f: Hdf5File, name: string) => f.datasets.find((d) => d.name === name);

afterAll(() => h5Client.shutdown());

describe.skipIf(!existsSync(dir))('HDF5/NeXus conformance (MANIFEST §2)', () => {
  // MANIFEST §2.1 writer_1_3.h5: NeXus manual example data (counts, 2012 @signal=1/@axes).
  const COUNTS = [
    1037, 1318, 1704, 2857, 4516, 9998, 23819, 31662, 40458, 49087, 56514, 63499, 66802, 66863,
    66599, 66206, 65747, 65250, 64129, 63044, 60796, 56795, 51550, 43710, 29315, 19782, 12992, 6622,
    4198, 2248, 1321,
  ];

  it('writer_1_3.h5: 2012-style @signal=1 and @axes on the dataset', async () => {
    await withFile(nx('hdf5/writer_1_3.h5'), async (f) => {
      expect(f.defaultDataset).toBe('/Scan/data/counts');
      expect(f.plottable?.convention).toBe('NeXus2012');
      const d = await f.read('/Scan/data/counts');
      expect(d.array.dtype).toBe('int32');
      expect(Array.from(d.array.data as Int32Array)).toEqual(COUNTS);
      expect(d.intensity?.units).toBe('counts');
      // two_theta steps −0.00017/−0.00016 (MANIFEST): not linear → values kept in metadata
      expect(d.axes[0]!.name).toBe('two_theta');
      const vals = (d.metadata.axisValues as Record<string, number[]>).two_theta!;
      expect(vals).toHaveLength(31);
      expect(vals[0]).toBeCloseTo(17.92608, 5);
      expect(vals[30]).toBeCloseTo(17.92108, 5);
    });
  });

  it('writer_1_3__niac2014.h5: 2014-style @signal/@axes on the group', async () => {
    await withFile(nx('hdf5/writer_1_3__niac2014.h5'), async (f) => {
      expect(f.defaultDataset).toBe('/Scan/data/counts');
      expect(f.plottable?.convention).toBe('NIAC2014');
      expect(f.plottable?.axes[0]?.path).toBe('/Scan/data/two_theta');
      const d = await f.read('/Scan/data/counts');
      expect(d.array.dtype).toBe('float64');
      expect(Array.from(d.array.data as Float64Array)).toEqual(COUNTS);
    });
  });

  it('simple3D.h5: numeric @signal=1, arange(24) in (2,3,4), root attributes', async () => {
    await withFile(nx('hdf5/simple3D.h5'), async (f) => {
      expect(f.metadata.NeXus_version).toBe('4.1.0');
      expect(f.metadata.HDF5_Version).toBe('1.6.6');
      expect(f.defaultDataset).toBe('/entry/data/test');
      const d = await f.read('/entry/data/test');
      expect(d.array.shape).toEqual([2, 3, 4]);
      expect(Array.from(d.array.data as Int32Array)).toEqual([...Array(24).keys()]);
      // one frame and a hyperslab, through HDF5 selections
      const fr = await f.read('/entry/data/test', { frame: 1 });
      expect(fr.array.shape).toEqual([3, 4]);
      expect(Array.from(fr.array.data as Int32Array)).toEqual(
        [...Array(12).keys()].map((i) => i + 12),
      );
      const hs = await f.read('/entry/data/test', {
        ranges: [
          [0, 2],
          [1, 3],
          [2, 4],
        ],
      });
      expect(hs.array.shape).toEqual([2, 2, 2]);
      expect(Array.from(hs.array.data as Int32Array)).toEqual([6, 7, 10, 11, 18, 19, 22, 23]);
    });
  });

  it('NXtest.h5: napi types, attributes, hard links, gzip chunks', async () => {
    await withFile(nx('code/hdf5/NXtest.h5'), async (f) => {
      const entry = f.index.get('/entry');
      expect(entry?.kind).toBe('group');
      const i1 = await f.read('/entry/i1_data');
      expect(i1.array.dtype).toBe('uint8');
      // sic: element [0,3] is 4 (MANIFEST §2.1)
      expect(Array.from(i1.array.data as Uint8Array)).toEqual([
        0, 1, 2, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
      ]);
      const comp = await f.read('/entry/data/comp_data');
      expect(comp.array.shape).toEqual([20, 100]);
      expect(sum(comp)).toBe(1999000);
      const ch = await f.read('/entry/ch_data');
      expect(ch.array.dtype).toBe('string');
      expect(ch.array.data).toEqual(['NeXus Data']);
      const r8 = info(f, '/entry/r8_data')!;
      expect(r8.metadata.ch_attribute).toBe('NeXus');
      expect(r8.metadata.i4_attribute).toBe(42);
      expect(r8.metadata.r4_attribute as number).toBeCloseTo(3.1415927, 6);
      expect(info(f, '/entry/r4_data')!.metadata.filters).toEqual(['deflate (1)']);
      // hard links list the same data under each name
      const a = await f.read('/entry/r8_data');
      const b = await f.read('/link/renLinkData');
      expect(Array.from(b.array.data as Float64Array)).toEqual(
        Array.from(a.array.data as Float64Array),
      );
    });
  });

  it('SLS STXM: 2014 @axes + <axis>_indices, linear axes calibrated, UTF-8 and Latin-1 units', async () => {
    await withFile(nx('SLS/Sample_Image_2021-03-16_095.hdf5'), async (f) => {
      expect(f.defaultDataset).toBe('/entry1/counter0/data');
      const d = await f.read('/entry1/counter0/data');
      expect(d.array.shape).toEqual([50, 50]);
      expect(sum(d)).toBe(6730357);
      expect(Array.from(d.array.data as Float64Array).slice(0, 6)).toEqual([
        35, 32, 40, 32, 33, 30,
      ]);
      const [y, x] = d.axes;
      expect(y!.name).toBe('sample_y');
      expect(y!.offset).toBeCloseTo(5377.60695625, 6);
      expect(y!.scale).toBeCloseTo(1.0, 9);
      expect(y!.units).toBe('μm');
      expect(x!.name).toBe('sample_x');
      expect(x!.offset).toBeCloseTo(5971.54336285, 6);
      const div = f.index.get('/entry1/instrument/bendmagnet/divergence_y_plus');
      const units =
        div && div.kind === 'dataset' ? div.attrs.find((a) => a.name === 'units') : undefined;
      expect(units?.value).toBe('µrad'); // Latin-1 byte 0xB5 kept as the micro sign
    });
  });

  it('I16 538039.nxs: frame stack behind a dangling external link names the missing file', async () => {
    await withFile(nx('DLS/i16/hdf5/538039.nxs'), async (f) => {
      expect(f.frameStacks).toContain('/entry1/pil100k/data');
      const eta = await f.read('/entry1/pil100k/eta');
      const v = toFloat64(eta.array);
      expect(v).toHaveLength(61);
      expect(v[0]).toBeCloseTo(43.514, 6);
      expect(v[60]).toBeCloseTo(43.574, 6);
      expect(sum(await f.read('/entry1/pil100k/sum'))).toBe(51633188);
      const wl = await f.read('/entry1/sample/beam/incident_wavelength');
      expect(toFloat64(wl.array)[0]).toBeCloseTo(0.23738116530976003, 12);
      const err = await f.read('/entry1/pil100k/data', { frame: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).message).toContain('538039-pilatus100k-files/538039.hdf');
    });
  });

  it('Therm_6_2.nxs: virtual dataset with an absent source file names it; metadata readable', async () => {
    await withFile(nx('DLS/i03_i04_NXmx/hdf5/Therm_6_2.nxs'), async (f) => {
      expect(f.defaultDataset).toBe('/entry/data/data');
      const d = info(f, '/entry/data/data')!;
      expect(d.shape).toEqual([488, 4362, 4148]);
      expect(d.dtype).toBe('int64');
      expect(d.axes[0]).toMatchObject({ name: 'omega', units: 'deg', size: 488 });
      const err = await f.read('/entry/data/data', { frame: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).message).toContain('Therm_6_2_000001.h5');
      const bx = await f.read('/entry/instrument/detector/beam_center_x');
      expect(toFloat64(bx.array)[0]).toBeCloseTo(2216.055470799965, 9);
      const wl = await f.read('/entry/sample/beam/incident_wavelength');
      expect(toFloat64(wl.array)[0]).toBeCloseTo(0.9802735610373182, 12);
    });
  });

  it('p45-1168.nxs: multi-dimensional axes and "." placeholders; external data named', async () => {
    await withFile(nx('DLS/p45/hdf5/p45-1168.nxs'), async (f) => {
      expect(f.defaultDataset).toBe('/entry/mic/data');
      const p = f.plottable!;
      expect(p.axes.length).toBe(0); // signal shape unknown: its file is absent
      const err = await f.read('/entry/mic/data').catch((e: unknown) => e);
      expect((err as Error).message).toContain('p45-1168-mic.hdf5');
      const sx = await f.read('/entry/mic/stagex_value');
      expect(sx.array.shape).toEqual([5, 5]);
    });
  });

  it('rosettasciio nexus_dls_example.nxs: nested NXentry, @axes ["y","x","."], soft links', async () => {
    await withFile(h5('rosettasciio/nexus/nexus_dls_example.nxs'), async (f) => {
      expect(f.defaultDataset).toBe('/entry1/testdata/nexustest/data');
      const d = info(f, '/entry1/testdata/nexustest/data')!;
      expect(d.shape).toEqual([10, 10, 15]);
      expect(d.axes.map((a) => a.name)).toEqual(['y', 'x', 'dim2']);
      expect(d.axes[0]).toMatchObject({ scale: 1, offset: 0 });
      const m1 = await f.read('/entry1/instrument/beamline/M1/m1_y');
      expect(toFloat64(m1.array)[0]).toBe(-4.0);
      expect(m1.intensity?.units).toBe('mm');
      const alias = f.index.get('/alias_metadata');
      expect(alias?.kind === 'group' && alias.softLink).toBe('/entry1/instrument/beamline/M1');
      expect(f.index.get('/entry1/instrument/beamline/M1')?.kind).toBe('group');
    });
  });

  it('rosettasciio simple_signal / saved_multi_signal: @default chain, yaxis 20..48', async () => {
    await withFile(h5('rosettasciio/nexus/saved_multi_signal.nxs'), async (f) => {
      expect(f.defaultDataset).toBe('/entry1/rocks/data');
      const d = info(f, '/entry1/rocks/data')!;
      expect(d.shape).toEqual([15, 1, 40, 40]);
      expect(d.axes[0]).toMatchObject({ name: 'yaxis', offset: 20, scale: 2 });
      expect(info(f, '/entry2/unnamed__1/data')!.axes[2]!.name).toBe('energy');
    });
  });

  it('rosettasciio nxdata_tagged_as_string.nxs: ASCII and UTF-8 NX_class both found', async () => {
    await withFile(h5('rosettasciio/nexus/nxdata_tagged_as_string.nxs'), async (f) => {
      const signals = f.datasets.filter((d) => d.role === 'signal').map((d) => d.name);
      expect(signals).toEqual(['/entry1/dummy_byte/data', '/entry1/dummy_str/data']);
      const d = await f.read('/entry1/dummy_str/data');
      expect(Array.from(d.array.data as BigInt64Array, Number)).toEqual([0, 1, 2, 3]);
    });
  });

  it('rosettasciio nexus_test_datakey.nxs: comma-separated @axes, non-linear x kept', async () => {
    await withFile(h5('rosettasciio/nexus/nexus_test_datakey.nxs'), async (f) => {
      const d = info(f, '/entry1/testdata/nexustest_axistest1/data')!;
      expect(d.shape).toEqual([2, 3, 4]);
      expect(d.axes[0]).toMatchObject({ name: 'y', offset: 6, scale: 1 });
      expect(d.axes[1]!.name).toBe('x');
      expect((d.metadata.axisValues as Record<string, number[]>).x).toEqual([3.0, 2.5, 1.0]);
      expect(info(f, '/entry1/testdata/nexustest1/data')!.metadata.chunks).toEqual([1, 1, 2]);
    });
  });

  it('hspy example1_v1.2.hdf5: EELS spectrum values (rsciio test_hspy.py L117–140)', async () => {
    await withFile(h5('rosettasciio/hspy/example1_v1.2.hdf5'), async (f) => {
      const d = await f.read('/Experiments/NIO EELS OK SHELL/data');
      expect(Array.from(d.array.data as Float64Array)).toEqual([
        4066, 3996, 3932, 3923, 5602, 5288, 7234, 7809, 4710, 5015, 4366, 4524, 4832, 5474, 5718,
        5034, 4651, 4613, 4637, 4429, 4217,
      ]);
      expect(f.metadata.file_format).toBe('HyperSpy');
    });
  });

  it('hspy test_rgba16.hdf5: compound RGBA uint16 → uint16 with a field axis', async () => {
    await withFile(h5('rosettasciio/hspy/test_rgba16.hdf5'), async (f) => {
      const d = await f.read('/Experiments/Stack of /data');
      expect(d.array.dtype).toBe('uint16');
      expect(d.array.shape).toEqual([3, 128, 128, 4]);
      expect(d.metadata.fields).toEqual(['R', 'G', 'B', 'A']);
      const px = d.array.data as Uint16Array;
      const ch = [0, 0, 0, 0];
      for (let i = 0; i < px.length; i++) ch[i % 4] = ch[i % 4]! + px[i]!;
      // MANIFEST §2.3 DERIVED per-channel sums; A = 3·128·128·65535
      expect(ch).toEqual([1123794180, 1123794180, 1123794180, 3221176320]);
      expect(Array.from(px.slice(0, 4))).toEqual([0, 0, 0, 65535]);
    });
  });

  it('delmic sparc-hyperspectral.h5: enums, dimension labels, CL data sum', async () => {
    await withFile(h5('rosettasciio/delmic/sparc-hyperspectral.h5'), async (f) => {
      const d = await f.read('/Acquisition2/ImageData/Image');
      expect(d.array.shape).toEqual([128, 1, 1, 3, 2]);
      expect(sum(d)).toBe(582366);
      expect(d.axes.map((a) => a.name)).toEqual(['C', 'T', 'Z', 'Y', 'X']);
    });
  });

  it('EMD type 1: 4-D arange(360) with dim1..dim4 names', async () => {
    await withFile(h5('ncempy/emd_type1_stringDims.h5'), async (f) => {
      const d = await f.read('/exper/emd_data/data');
      expect(d.array.shape).toEqual([3, 4, 5, 6]);
      expect(sum(d)).toBe(64620);
      expect(d.axes.map((a) => a.name)).toEqual(['dim1', 'dim2', 'dim3', 'dim4']);
    });
  });

  it('ARINA master: external link resolved to the data file; bitshuffle+LZ4 decoded', async () => {
    await withFile(h5('rosettasciio/arina/test_00_master.h5'), async (f) => {
      expect(f.defaultDataset).toBe('/entry/data/data_000001');
      const d = info(f, '/entry/data/data_000001')!;
      expect(d.shape).toEqual([16, 192, 192]);
      expect(d.dtype).toBe('uint32');
      expect(d.metadata.filters).toEqual(['bitshuffle (32008)']);
      // MANIFEST §2.3: filter 32008 with LZ4; every decompressed value is 0
      const frame = await f.read('/entry/data/data_000001', { frame: 0 });
      expect(frame.array.shape).toEqual([192, 192]);
      expect(sum(frame)).toBe(0);
      const all = await f.read('/entry/data/data_000001');
      expect(all.array.shape).toEqual([16, 192, 192]);
      expect(sum(all)).toBe(0);
    });
  });

  it('NXmx.hdf5 skeleton: scalar signal, attribute parsing, opened through the registry', async () => {
    const f = await openAny(nx('autogenerated_examples/nxdl/applications/NXmx.hdf5'));
    try {
      expect(f.format).toBe('hdf5');
      expect(f.defaultDataset).toBe('/entry/data/data');
      const d = await f.read('/entry/data/data');
      expect(d.array.shape).toEqual([]);
      expect(toFloat64(d.array)[0]).toBe(1.0);
    } finally {
      await f.close();
    }
  });

  it('unsupported element types give a typed error naming the type', async () => {
    await withFile(h5('rosettasciio/delmic/sparc-hyperspectral.h5'), async (f) => {
      const bad = Object.keys(f.metadata.unreadable as object);
      for (const p of bad.slice(0, 3)) {
        await expect(f.read(p)).rejects.toBeInstanceOf(UnsupportedError);
      }
    });
  });
});
