/**
 * Simulate: a bundled structure or an uploaded CIF → the kinematic reflection table, the
 * zone-axis spot pattern (zone u v w, kV, excitation error) as a heatmap and the 1D profile;
 * every change re-simulates after a short pause.
 */
import { useMemo, useState } from 'react';
import { api } from '../../api';
import type { CifInput, Reflection } from '../../api-types';
import { ErrorBox, Field, Loading, num } from '../../components/common';
import { Heatmap, LinePlot } from '../../components/plots';
import { useAsync, useDebounced } from '../../hooks';

interface Params {
  kv: number;
  gmax: number;
  zone: [number, number, number];
  excitationError: number;
  size: number;
}

function ReflectionTable({ rows }: { rows: Reflection[] }) {
  const shown = rows.slice(0, 200);
  return (
    <>
      <table className="table" data-testid="reflections">
        <thead>
          <tr>
            <th>h k l</th>
            <th>g (Å⁻¹)</th>
            <th>d (Å)</th>
            <th>mult.</th>
            <th>|F|²</th>
            <th>intensity</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={i}>
              <td>{r.hkl.join(' ')}</td>
              <td className="num">{num(r.g)}</td>
              <td className="num">{num(r.d)}</td>
              <td className="num">{r.multiplicity}</td>
              <td className="num">{num(r.F2)}</td>
              <td className="num">{num(r.intensity)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > shown.length ? (
        <p className="muted">
          {shown.length} of {rows.length} reflections shown.
        </p>
      ) : null}
    </>
  );
}

function finite(x: number, fallback: number): number {
  return Number.isFinite(x) ? x : fallback;
}

export function SimulatePage() {
  const structures = useAsync(() => api.structures(), []);
  const [structure, setStructure] = useState<string>();
  const [upload, setUpload] = useState<{ name: string; text: string }>();
  const [p, setP] = useState<Params>({
    kv: 200,
    gmax: 1.5,
    zone: [0, 0, 1],
    excitationError: 0.02,
    size: 256,
  });
  const chosen = structure ?? structures.data?.structures[0]?.name;
  const cif = useMemo<CifInput | undefined>(
    () => (upload ? { cifText: upload.text } : chosen ? { structure: chosen } : undefined),
    [upload, chosen],
  );
  const params = useDebounced(p, 300);
  const key = [upload?.text, chosen, JSON.stringify(params)];
  const none = () => Promise.resolve(undefined);
  const refl = useAsync(
    () => (cif ? api.reflections({ ...cif, kv: params.kv, gmax: params.gmax }) : none()),
    key,
  );
  const pattern = useAsync(
    () =>
      cif
        ? api.pattern({
            ...cif,
            kv: params.kv,
            zone: params.zone,
            size: params.size,
            excitationError: params.excitationError,
          })
        : none(),
    key,
  );
  const profile = useAsync(
    () => (cif ? api.profile({ ...cif, kv: params.kv, qmax: params.gmax, n: 512 }) : none()),
    key,
  );
  const set = <K extends keyof Params>(k: K, v: Params[K]) => setP((o) => ({ ...o, [k]: v }));
  const pat = pattern.data;
  const half = pat ? (pat.calibration * pat.shape[1]) / 2 : 0;
  return (
    <div className="page simulate-page">
      <aside className="sidebar">
        <h2>Structure</h2>
        <ErrorBox error={structures.error} />
        <Field label="bundled">
          <select
            aria-label="structure"
            value={upload ? '' : (chosen ?? '')}
            onChange={(e) => {
              setUpload(undefined);
              setStructure(e.target.value);
            }}
          >
            {upload ? <option value="">(uploaded {upload.name})</option> : null}
            {(structures.data?.structures ?? []).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} — {s.formula} ({s.spaceGroup})
              </option>
            ))}
          </select>
        </Field>
        <label className="button">
          Open a CIF…
          <input
            type="file"
            accept=".cif,text/plain"
            hidden
            data-testid="cif-input"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void f.text().then((text) => setUpload({ name: f.name, text }));
              e.target.value = '';
            }}
          />
        </label>
        <h2>Beam and pattern</h2>
        <Field label="energy (kV)">
          <input
            type="number"
            value={p.kv}
            min={1}
            step={10}
            onChange={(e) => set('kv', finite(e.target.valueAsNumber, p.kv))}
          />
        </Field>
        <Field label="g max (Å⁻¹)">
          <input
            type="number"
            value={p.gmax}
            min={0.1}
            step={0.1}
            onChange={(e) => set('gmax', finite(e.target.valueAsNumber, p.gmax))}
          />
        </Field>
        <Field label="zone u v w">
          <span className="zone">
            {p.zone.map((z, i) => (
              <input
                key={i}
                type="number"
                step={1}
                value={z}
                aria-label={`zone ${'uvw'[i]}`}
                onChange={(e) => {
                  const zone: [number, number, number] = [...p.zone];
                  zone[i] = finite(e.target.valueAsNumber, z);
                  set('zone', zone);
                }}
              />
            ))}
          </span>
        </Field>
        <Field label="excitation error (Å⁻¹)">
          <input
            type="number"
            value={p.excitationError}
            min={0}
            step={0.005}
            onChange={(e) =>
              set('excitationError', finite(e.target.valueAsNumber, p.excitationError))
            }
          />
        </Field>
        <Field label="pattern size (px)">
          <select value={p.size} onChange={(e) => set('size', Number(e.target.value))}>
            {[128, 256, 512].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
      </aside>
      <section className="results">
        {refl.data ? (
          <h2>
            {refl.data.structure.name} <span className="muted">{refl.data.structure.formula}</span>
          </h2>
        ) : null}
        <div className="two-col">
          <div>
            <h3>Zone-axis pattern [{params.zone.join(' ')}]</h3>
            <ErrorBox error={pattern.error} />
            <Loading when={pattern.loading && !pat} />
            {pat ? (
              <Heatmap
                testid="pattern-heatmap"
                data={pat.data}
                shape={pat.shape}
                axes={[
                  { name: 'k_y', units: 'Å⁻¹', offset: -half, scale: pat.calibration },
                  { name: 'k_x', units: 'Å⁻¹', offset: -half, scale: pat.calibration },
                ]}
                initialScale="sqrt"
                initialColorMap="Inferno"
              />
            ) : null}
          </div>
          <div>
            <h3>Profile</h3>
            <ErrorBox error={profile.error} />
            <Loading when={profile.loading && !profile.data} />
            {profile.data ? (
              <LinePlot
                testid="profile-plot"
                values={profile.data.intensity}
                x={profile.data.q}
                xLabel="q = 1/d (Å⁻¹)"
                yLabel="intensity"
              />
            ) : null}
          </div>
        </div>
        <h3>Reflections</h3>
        <ErrorBox error={refl.error} />
        <Loading when={refl.loading && !refl.data} />
        {refl.data ? <ReflectionTable rows={refl.data.reflections} /> : null}
      </section>
    </div>
  );
}
