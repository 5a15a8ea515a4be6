/**
 * The simulate routes on a bare app: bundled structures, the three ways to give a CIF, PNG
 * patterns, and the bounds (LIMIT → 413 naming the field; bad input → 400 naming the field).
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../formats/image/png.js';
import { structuresDir } from '../../workflows/structures.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { MAX_PATTERN_SIZE, MAX_PROFILE_POINTS, simulateRoutes } from './simulate.js';

type ErrorBody = { error: { code: string; message: string; field?: string } };

describe('simulate routes', () => {
  let r: RouteApp;
  const post = (url: string, payload: unknown) =>
    r.app.inject({ method: 'POST', url: `/api/simulate/${url}`, payload: payload as object });
  beforeAll(async () => {
    r = await routeApp([simulateRoutes]);
    copyFileSync(join(structuresDir(), 'au.cif'), join(r.ctx.dataDir, 'gold.cif'));
    writeFileSync(join(r.ctx.dataDir, 'broken.cif'), 'data_x\n_cell_length_a 4\n');
  });
  afterAll(() => r.close());

  it('lists the bundled structures with formula and space group', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/api/structures' });
    expect(res.statusCode).toBe(200);
    const { structures } = res.json<{ structures: { name: string; formula: string; spaceGroup: string }[] }>(); // prettier-ignore
    expect(structures.find((s) => s.name === 'au')).toEqual({
      name: 'au',
      formula: 'Au4',
      spaceGroup: 'F m -3 m',
    });
  });

  it('takes a CIF as a served file, as text or by name, with the same reflections', async () => {
    const text = (await import('node:fs')).readFileSync(join(structuresDir(), 'au.cif'), 'utf8');
    const bodies = [
      { cif: { root: 'data0', path: 'gold.cif' } },
      { cifText: text },
      { structure: 'au' },
    ];
    const lists = [];
    for (const b of bodies) {
      const res = await post('reflections', { ...b, kv: 200 });
      expect(res.statusCode).toBe(200);
      lists.push(res.json<{ reflections: { hkl: number[]; d: number }[] }>().reflections);
    }
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    // Au (fcc, a = 4.07825 Å, the bundled CIF): first ring (111), d = a/√3 = 2.3546 Å
    expect(lists[0]![0]!.hkl).toEqual([1, 1, 1]);
    expect(lists[0]![0]!.d).toBeCloseTo(4.07825 / Math.sqrt(3), 6);
  });

  it('draws a PNG pattern', async () => {
    const res = await post('pattern', {
      structure: 'au',
      kv: 200,
      zone: [0, 0, 1],
      size: 32,
      format: 'png',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/png/);
    const img = decodePng(new Uint8Array(res.rawPayload));
    expect(img.array.shape.slice(0, 2)).toEqual([32, 32]);
  });

  it('draws the largest pattern with the default calibration (the table reaches its corner)', async () => {
    const res = await post('pattern', { structure: 'au', kv: 200, zone: [0, 0, 1], size: MAX_PATTERN_SIZE, format: 'png' }); // prettier-ignore
    expect(res.statusCode).toBe(200);
    expect(decodePng(new Uint8Array(res.rawPayload)).array.shape[0]).toBe(MAX_PATTERN_SIZE);
  });

  it('refuses work over its limits with 413 LIMIT naming the field', async () => {
    const cases: [string, object, string][] = [
      [
        'pattern',
        { structure: 'au', kv: 200, zone: [0, 0, 1], size: MAX_PATTERN_SIZE + 1 },
        'size',
      ],
      ['profile', { structure: 'au', kv: 200, n: MAX_PROFILE_POINTS + 1 }, 'n'],
      ['reflections', { structure: 'au', kv: 200, gmax: 7 }, 'gmax'],
      // 1024 px at 0.05 Å⁻¹/px reaches |g| = 36 Å⁻¹
      [
        'pattern',
        { structure: 'au', kv: 200, zone: [0, 0, 1], size: 1024, calibration: 0.05 },
        'gmax',
      ],
    ];
    for (const [url, body, field] of cases) {
      const res = await post(url, body);
      expect(res.statusCode, `${url} ${field}`).toBe(413);
      const e = res.json<ErrorBody>().error;
      expect(e.code).toBe('LIMIT');
      expect(e.field).toBe(field);
    }
  });

  it('answers bad requests with 4xx naming the field', async () => {
    const cases: [string, object, number, string | undefined][] = [
      ['reflections', { kv: 200 }, 400, 'cif'],
      ['reflections', { structure: 'au', cifText: 'x', kv: 200 }, 400, 'structure'],
      ['reflections', { structure: 'au', kv: 200, colour: 'red' }, 400, 'colour'],
      ['reflections', { structure: 'au', kv: -1 }, 400, 'kv'],
      ['reflections', { structure: 'au' }, 400, 'kv'],
      ['reflections', { structure: 'unobtainium', kv: 200 }, 404, undefined],
      ['reflections', { cif: { root: 'data0', path: '../etc/passwd' }, kv: 200 }, 400, 'cif.path'],
      ['reflections', { cif: { root: 'data0', path: 'missing.cif' }, kv: 200 }, 404, undefined],
      ['reflections', { cif: { root: 'data0', path: 'broken.cif' }, kv: 200 }, 400, 'cif'],
      ['reflections', { cifText: 'not a cif', kv: 200 }, 400, 'cifText'],
      ['profile', { structure: 'au', kv: 200, qmin: 1, qmax: 0.5 }, 400, 'qmax'],
      ['pattern', { structure: 'au', kv: 200, zone: [0, 0] }, 400, 'zone'],
      ['pattern', { structure: 'au', kv: 200, zone: [0, 0, 0] }, 400, undefined],
    ];
    for (const [url, body, status, field] of cases) {
      const res = await post(url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      const e = res.json<ErrorBody>().error;
      if (field !== undefined) expect(e.field, JSON.stringify(body)).toBe(field);
      expect(e.message).not.toMatch(/\n\s+at /);
    }
  });
});
