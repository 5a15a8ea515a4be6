/**
 * The Web API's simulate routes give the CLI's numbers: the same CIF through
 * `bragg simulate reflections --json`, `profile -o x.csv` and `pattern -o x.npy` (run through
 * the CLI's entry point) and through `POST /api/simulate/*` (on a bare Fastify app).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { readNpy } from '../../src/formats/npy/npy.js';
import { simulateRoutes } from '../../src/server/routes/simulate.js';
import { structuresDir } from '../../src/workflows/structures.js';
import { routeApp, type RouteApp } from '../support/server/route-app.js';

async function cli(args: string[]): Promise<string> {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(['node', 'bragg', ...args]);
    expect(code).toBe(0);
    return out;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('simulate routes give the CLI numbers', () => {
  let r: RouteApp;
  let dir = '';
  const rutile = join(structuresDir(), 'rutile.cif');
  beforeAll(async () => {
    r = await routeApp([simulateRoutes]);
    dir = mkdtempSync(join(tmpdir(), 'bragg-sim-routes-'));
  });
  afterAll(async () => {
    await r.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reflections: the rows of `bragg simulate reflections --json`', async () => {
    const rows = JSON.parse(
      await cli(['simulate', 'reflections', rutile, '--kv', '200', '--gmax', '1.2', '--json']),
    ) as unknown[];
    const res = await r.app.inject({
      method: 'POST',
      url: '/api/simulate/reflections',
      payload: { structure: 'rutile', kv: 200, gmax: 1.2 },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ reflections: unknown[]; structure: { formula: string } }>();
    expect(rows.length).toBeGreaterThan(5);
    expect(body.reflections).toEqual(rows);
    expect(body.structure.formula).toBe('O4 Ti2');
  });

  it('profile: the intensities of `bragg simulate profile -o x.csv`', async () => {
    const csv = join(dir, 'p.csv');
    await cli([
      'simulate',
      'profile',
      rutile,
      '--kv',
      '300',
      '--n',
      '400',
      '--qmax',
      '1.3',
      '-o',
      csv,
    ]);
    const lines = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
    const res = await r.app.inject({
      method: 'POST',
      url: '/api/simulate/profile',
      payload: { structure: 'rutile', kv: 300, n: 400, qmax: 1.3 },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ q: number[]; intensity: number[] }>();
    expect(body.q).toEqual(lines.map((l) => Number(l.split(',')[0])));
    expect(body.intensity).toEqual(lines.map((l) => Number(l.split(',')[1])));
    expect(Math.max(...body.intensity)).toBeGreaterThan(0);
  });

  it('pattern: the image of `bragg simulate pattern -o x.npy`, spots at their pixels', async () => {
    const npy = join(dir, 'z.npy');
    await cli(['simulate', 'pattern', rutile, '--kv', '200', '--zone', '0,0,1', '--size', '64', '--relrod', '0.02', '-o', npy]); // prettier-ignore
    const img = await readNpy(npy);
    const res = await r.app.inject({
      method: 'POST',
      url: '/api/simulate/pattern',
      payload: { structure: 'rutile', kv: 200, zone: [0, 0, 1], size: 64, excitationError: 0.02 },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      shape: number[];
      data: number[];
      spots: { x: number; y: number; intensity: number }[];
    }>();
    expect(body.shape).toEqual([64, 64]);
    expect(body.data).toEqual(Array.from(img.data as Float32Array));
    // the brightest spot inside the detector is drawn at its pixel
    const inside = body.spots.filter((s) => s.x > 2 && s.x < 61 && s.y > 2 && s.y < 61);
    const top = inside.sort((a, b) => b.intensity - a.intensity)[0]!;
    const px = body.data[Math.round(top.y) * 64 + Math.round(top.x)]!;
    expect(px).toBeGreaterThan(0.1 * Math.max(...body.data));
  });
});
