/**
 * The seed's HTTP interface through `bragg serve --models ROOT` on 127.0.0.1, with tiny models
 * trained by `trainPacbedModel`: a Python `requests` client sending the seed's multipart
 * request (raw uint16 bytes), and — where it is at hand — the seed's own client
 * (`pacbedclient.query` of PACBED-CNN's `client/src/pacbedclient.py`, found in the folder
 * `PACBED_CLIENT_DIR` names), whose answer (the validation PNG decoded by PIL to an RGB array)
 * must equal what `POST /inference/` answers Node's fetch. Needs dist/ and a Python 3 with
 * requests and numpy (+ PIL for the seed's client); skips, saying which is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';
import { startServe, type ServeProcess } from '../support/server/serve-process.js';
import { tinyPacbedModels, tinyPattern, TINY_SIDE } from '../support/workflows/pacbed/tiny-models.js'; // prettier-ignore

const built = existsSync(join(packageRoot(), 'dist', 'src', 'cli', 'commands', 'serve.js'));

/** The first Python 3 that imports all of `modules` (Debian's first). */
function python(modules: string[]): string | undefined {
  for (const exe of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(exe, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    if (r.status === 0) return exe;
  }
  return undefined;
}

const py = python(['requests', 'numpy']);
const pyPil = python(['requests', 'numpy', 'PIL']);
const clientDir = process.env.PACBED_CLIENT_DIR;
const hasClient = clientDir !== undefined && existsSync(join(clientDir, 'pacbedclient.py'));
const skipWhy = !built
  ? ' (skipped: dist/ is not built: npm run build)'
  : py === undefined
    ? ' (skipped: no python3 with requests and numpy)'
    : '';
const clientWhy = !hasClient
  ? ' (skipped: set PACBED_CLIENT_DIR to the folder of the seed’s pacbedclient.py)'
  : pyPil === undefined
    ? ' (skipped: no python3 with requests, numpy and PIL)'
    : '';

/** The test pattern as uint16 counts (what a camera gives). */
function uint16Pattern(): Uint16Array {
  return Uint16Array.from(tinyPattern(20, 1), (v) => Math.round(10 * v));
}

function runPython(exe: string, code: string, env: Record<string, string> = {}): unknown {
  const r = spawnSync(exe, ['-c', code], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

interface Reply {
  thickness: number;
  mistilt: number;
  scale: number;
  validation: string;
  prediction: { thickness: { probabilities: number[] }; mistilt: { probabilities: number[] } };
}

describe.skipIf(skipWhy !== '')(`the seed's POST /inference/ against bragg serve${skipWhy}`, () => {
  let home = '';
  let s: ServeProcess;
  let port = '';
  let npy = '';
  let viaFetch: Reply;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'bragg-pacbed-serve-'));
    await tinyPacbedModels(join(home, 'table'), join(home, 'models', 'pacbed'));
    // the pattern as .npy for numpy (uint16, little-endian, C order)
    const data = uint16Pattern();
    const header = `{'descr': '<u2', 'fortran_order': False, 'shape': (${TINY_SIDE}, ${TINY_SIDE}), }`;
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = Buffer.from(`${header}${' '.repeat(pad)}\n`);
    const pre = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, h.length & 0xff, h.length >> 8]);
    npy = join(home, 'pattern.npy');
    writeFileSync(npy, Buffer.concat([pre, h, Buffer.from(data.buffer)]));
    s = await startServe(['--models', join(home, 'models'), '--uploads', join(home, 'uploads')], {
      BRAGG_HOME: home,
    });
    port = new URL(s.url).port;
    // the same request from Node
    const form = new FormData();
    form.append('file', new Blob([data]), 'pacbed.raw');
    form.append(
      'parameters',
      JSON.stringify({
        file_params: { typ: 'raw', dtype: 'uint16', width: TINY_SIDE, height: TINY_SIDE },
        physical_params: { acceleration_voltage: 80000, zone_axis: { u: 0, v: 0, w: 1 }, crystal_structure: 'Rutile', convergence_angle: 20 }, // prettier-ignore
      }),
    );
    const r = await fetch(`${s.url}/inference/`, { method: 'POST', body: form });
    expect(r.status).toBe(200);
    viaFetch = (await r.json()) as Reply;
  }, 120_000);
  afterAll(async () => {
    if (s !== undefined && s.proc.exitCode === null) await s.stop('SIGKILL');
    if (home !== '') rmSync(home, { recursive: true, force: true });
  });

  it('answers a requests client sending the seed’s multipart request', () => {
    const out = runPython(
      py!,
      `
import json, requests, numpy as np
a = np.load(${JSON.stringify(npy)})
params = {"file_params": {"typ": "raw", "dtype": str(a.dtype), "width": a.shape[1], "height": a.shape[0]},
          "physical_params": {"acceleration_voltage": 80000, "zone_axis": {"u": 0, "v": 0, "w": 1},
                              "crystal_structure": "Rutile", "convergence_angle": 20}}
r = requests.post("http://127.0.0.1:${port}/inference/", files={
    "file": ("pacbed.raw", bytes(a), "application/octet-stream"),
    "parameters": (None, json.dumps(params), "application/json")})
bad = requests.post("http://127.0.0.1:${port}/inference/", files={
    "file": ("pacbed.raw", bytes(a)[:-2], "application/octet-stream"),
    "parameters": (None, json.dumps(params), "application/json")})
print(json.dumps({"status": r.status_code, "body": r.json(), "bad": bad.status_code, "badBody": bad.json()}))
`,
    ) as { status: number; body: Reply; bad: number; badBody: { error: { field: string } } };
    expect(out.status).toBe(200);
    expect(out.body.thickness).toBe(viaFetch.thickness);
    expect(out.body.prediction.thickness.probabilities).toEqual(viaFetch.prediction.thickness.probabilities); // prettier-ignore
    expect(out.bad).toBe(400);
    expect(out.badBody.error.field).toBe('parameters.file_params.dtype');
  });

  it.skipIf(clientWhy !== '')(`answers the seed’s own pacbedclient.query${clientWhy}`, () => {
    const out = runPython(
      pyPil!,
      `
import json, sys, numpy as np
sys.path.insert(0, ${JSON.stringify(clientDir ?? '')})
import pacbedclient
a = np.load(${JSON.stringify(npy)})
r = pacbedclient.query(a, "Rutile", 80000, 20, 0, 0, 1, "127.0.0.1", ${port})
v = r.pop("validation")
print(json.dumps({"resp": r, "shape": list(v.shape), "dtype": str(v.dtype)}))
`,
    ) as { resp: Omit<Reply, 'validation'>; shape: number[]; dtype: string };
    expect(out.resp.thickness).toBe(viaFetch.thickness);
    expect(out.resp.mistilt).toBe(viaFetch.mistilt);
    expect(out.resp.scale).toBe(viaFetch.scale);
    expect(out.resp.prediction.mistilt.probabilities).toEqual(viaFetch.prediction.mistilt.probabilities); // prettier-ignore
    // the figure as the client decodes it: an image array with colour channels
    expect(out.shape).toHaveLength(3);
    expect(out.shape[2]).toBeGreaterThanOrEqual(3);
    expect(out.dtype).toBe('uint8');
  });
});
