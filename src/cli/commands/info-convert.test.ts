/**
 * End to end: `bragg info` and `bragg convert` run through `main([...])` as a user runs them,
 * on files the test writes (npy, npz, tif, png).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ndarray } from '../../core/ndarray.js';
import { decodePng } from '../../formats/image/png.js';
import { encodeTiff } from '../../formats/image/tiff-write.js';
import { parseTiff } from '../../formats/image/tiff-ifd.js';
import { decodePage } from '../../formats/image/tiff.js';
import { decodeNpy, writeNpy } from '../../formats/npy/npy.js';
import { decodeNpz, writeNpz } from '../../formats/npy/npz.js';
import { main } from '../main.js';

let dir = '';
let out: string[] = [];
let err: string[] = [];

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  out = [];
  err = [];
  const code = await main(['node', 'bragg', ...argv]);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const stack = ndarray(
  'float32',
  [3, 4, 5],
  Float32Array.from({ length: 60 }, (_, i) => i),
);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bragg-cli-'));
  writeFileSync(join(dir, 'stack.npy'), writeNpy(stack));
  writeFileSync(
    join(dir, 'map.npz'),
    writeNpz(
      { x: ndarray('float64', [3], Float64Array.from([0.1, 0.2, 0.3])), y: stack },
      { compress: true },
    ),
  );
  writeFileSync(
    join(dir, 'pages.tif'),
    encodeTiff(
      ndarray(
        'uint16',
        [3, 4, 5],
        Uint16Array.from({ length: 60 }, (_, i) => i * 1000),
      ),
    ),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err.push(String(s));
    return true;
  });
});
afterEach(() => {
  out = [];
  err = [];
});

describe('bragg info', () => {
  it('--json lists format, datasets with shape, dtype and axes', async () => {
    const r = await run('info', join(dir, 'map.npz'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      format: string;
      datasets: { name: string; shape: number[]; dtype: string; axes: { name: string }[] }[];
    };
    expect(j.format).toBe('npz');
    expect(j.datasets.map((d) => [d.name, d.dtype, d.shape])).toEqual([
      ['x', 'float64', [3]],
      ['y', 'float32', [3, 4, 5]],
    ]);
    expect(j.datasets[1]!.axes.map((a) => a.name)).toEqual(['frame', 'y', 'x']);
  });

  it('prints a readable summary for a multi-page TIFF with its stack', async () => {
    const r = await run('info', join(dir, 'pages.tif'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('format: tiff');
    expect(r.stdout).toContain('stack (default): uint16 [3, 4, 5]');
    expect(r.stdout).toContain('page 2: uint16 [4, 5]');
  });

  it('a corrupt file gives exit code 1 and a FormatError message naming the file', async () => {
    const bad = join(dir, 'bad.npy');
    writeFileSync(bad, writeNpy(stack).subarray(0, 100));
    const r = await run('info', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bragg: NPY: .*bad\.npy/);
  });

  it('a missing file gives exit code 1', async () => {
    const r = await run('info', join(dir, 'nope.npy'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot open');
  });
});

describe('bragg convert', () => {
  it('npy → npz → npy keeps values exactly', async () => {
    expect((await run('convert', join(dir, 'stack.npy'), join(dir, 'a.npz'))).code).toBe(0);
    const z = decodeNpz(readFileSync(join(dir, 'a.npz')));
    expect(Object.keys(z)).toEqual(['data']);
    expect(z.data!.data).toEqual(stack.data);
    expect((await run('convert', join(dir, 'a.npz'), join(dir, 'b.npy'))).code).toBe(0);
    expect(decodeNpy(readFileSync(join(dir, 'b.npy'))).array.data).toEqual(stack.data);
  });

  it('a 3D array to PNG without --frame is refused with a message that says what to do', async () => {
    const r = await run('convert', join(dir, 'stack.npy'), join(dir, 'x.png'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('choose one frame with --frame N (0..2)');
  });

  it('--frame picks one frame; --scale/--colormap shape the PNG', async () => {
    const r = await run(
      'convert',
      join(dir, 'stack.npy'),
      join(dir, 'f1.png'),
      '--frame',
      '1',
      '--colormap',
      'viridis',
      '--scale',
      'log',
    );
    expect(r.code).toBe(0);
    const png = decodePng(readFileSync(join(dir, 'f1.png'))).array;
    expect(png.dtype).toBe('rgb8');
    expect(png.shape).toEqual([4, 5]);
    const d = png.data as Uint8Array;
    // frame 1 holds 20..39: its minimum maps to viridis' first colour #440154, maximum to #fde725
    expect(Array.from(d.subarray(0, 3))).toEqual([0x44, 0x01, 0x54]);
    expect(Array.from(d.subarray(57, 60))).toEqual([0xfd, 0xe7, 0x25]);
    const g = await run('convert', join(dir, 'stack.npy'), join(dir, 'g.png'), '--frame', '0');
    expect(g.code).toBe(0);
    const gray = decodePng(readFileSync(join(dir, 'g.png'))).array;
    expect(gray.dtype).toBe('uint8');
    expect((gray.data as Uint8Array)[0]).toBe(0);
    expect((gray.data as Uint8Array)[19]).toBe(255);
  });

  it('multi-page TIFF → npy takes the stack; --frame takes one page; npy → 16-bit TIFF round-trips', async () => {
    expect((await run('convert', join(dir, 'pages.tif'), join(dir, 's.npy'))).code).toBe(0);
    const s = decodeNpy(readFileSync(join(dir, 's.npy'))).array;
    expect(s.dtype).toBe('uint16');
    expect(s.shape).toEqual([3, 4, 5]);
    expect((s.data as Uint16Array)[59]).toBe(59000);
    expect(
      (await run('convert', join(dir, 'pages.tif'), join(dir, 'p2.npy'), '--frame', '2')).code,
    ).toBe(0);
    const p2 = decodeNpy(readFileSync(join(dir, 'p2.npy'))).array;
    expect(p2.shape).toEqual([4, 5]);
    expect((p2.data as Uint16Array)[0]).toBe(40000);
    expect((await run('convert', join(dir, 'p2.npy'), join(dir, 'p2.tif'))).code).toBe(0);
    const t = readFileSync(join(dir, 'p2.tif'));
    const tiff = parseTiff(t);
    expect(decodePage(t, tiff.pages[0]!, tiff.littleEndian).data).toEqual(p2.data);
  });

  it('a multi-page TIFF → npz writes the stack, not the page views again', async () => {
    expect((await run('convert', join(dir, 'pages.tif'), join(dir, 'pages.npz'))).code).toBe(0);
    const z = decodeNpz(readFileSync(join(dir, 'pages.npz')));
    expect(Object.keys(z)).toEqual(['stack']);
    expect(z.stack!.shape).toEqual([3, 4, 5]);
  });

  it('an npz with several members needs --dataset for a one-array output, and names them', async () => {
    const r = await run('convert', join(dir, 'map.npz'), join(dir, 'm.npy'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('choose with --dataset (x, y)');
    expect(
      (await run('convert', join(dir, 'map.npz'), join(dir, 'm.npy'), '--dataset', 'x')).code,
    ).toBe(0);
    expect(
      Array.from(decodeNpy(readFileSync(join(dir, 'm.npy'))).array.data as Float64Array),
    ).toEqual([0.1, 0.2, 0.3]);
  });

  it('a whole-file convert of an npz with a damaged member fails, naming it, and writes nothing', async () => {
    // Member b's NPY magic is destroyed: the reader lists it as refused. Before the fix convert
    // exited 0 and wrote an npz without b.
    const bytes = writeNpz({
      a: ndarray('float64', [3], new Float64Array([1, 2, 3])),
      b: ndarray('float64', [2], new Float64Array([4, 5])),
    });
    const at = Buffer.from(bytes).indexOf(
      '\x93NUMPY',
      Buffer.from(bytes).indexOf('b.npy'),
      'latin1',
    );
    expect(at).toBeGreaterThan(0);
    bytes.set([0x58, 0x58, 0x58], at + 1);
    const input = join(dir, 'damaged.npz');
    writeFileSync(input, bytes);
    const out = join(dir, 'damaged-out.npz');
    const r = await run('convert', input, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('damaged');
    expect(r.stderr).toContain('b: ');
    expect(r.stderr).toContain(input);
    expect(existsSync(out)).toBe(false);
    // One readable member on purpose still converts.
    expect((await run('convert', input, join(dir, 'a-only.npy'), '--dataset', 'a')).code).toBe(0);
  });

  it('--frame without --dataset takes the frame of the main dataset only', async () => {
    const dm = join(dir, 'stack.npy');
    expect((await run('convert', dm, join(dir, 'one.npz'), '--frame', '2')).code).toBe(0);
    const z = decodeNpz(readFileSync(join(dir, 'one.npz')));
    expect(Object.keys(z)).toEqual(['data']);
    expect(z.data!.shape).toEqual([4, 5]);
    expect((z.data!.data as Float32Array)[0]).toBe(40);
    const r = await run('convert', join(dir, 'map.npz'), join(dir, 'two.npz'), '--frame', '0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('choose with --dataset (x, y)');
  });

  it('refuses unknown output formats, image options for array outputs, and bad frames', async () => {
    expect((await run('convert', join(dir, 'stack.npy'), join(dir, 'x.xyz'))).stderr).toContain(
      "cannot write '.xyz'",
    );
    expect(
      (await run('convert', join(dir, 'stack.npy'), join(dir, 'x.npz'), '--scale', 'log')).stderr,
    ).toContain('apply to PNG output only');
    expect(
      (await run('convert', join(dir, 'stack.npy'), join(dir, 'x.png'), '--frame', '7')).stderr,
    ).toContain('frame 7 is out of range');
    expect(
      (
        await run(
          'convert',
          join(dir, 'stack.npy'),
          join(dir, 'x.png'),
          '--frame',
          '0',
          '--colormap',
          'jet',
        )
      ).stderr,
    ).toContain('expected one of gray, viridis');
  });
});
