/**
 * PACBED (the pacbed workflow's page): choose a registered key (material, kV, zone axis) and a
 * convergence angle within its models' range, drop or choose a pattern (DM3/DM4, TIFF, PNG, NPY)
 * → upload → `POST /api/pacbed/predict` → thickness [Å], mistilt [mrad] and scale with the
 * probability curves and the server's figure (the CNN input next to the probability bars).
 */
import { useState } from 'react';
import { api } from '../../api';
import { pacbedApi, type PacbedPrediction, type PacbedRegisterEntry } from '../../api-pacbed';
import { ErrorBox, Field, Loading } from '../../components/common';
import { DropZone } from '../../components/DropZone';
import { useAsync } from '../../hooks';
import { ProbabilityChart } from './ProbabilityChart';

const keyOf = (e: PacbedRegisterEntry) => `${e.material}|${e.kv}|${e.zone.join(',')}`;

/** The convergence angles [mrad] every model of the key covers. */
function range(e: PacbedRegisterEntry | undefined): [number, number] | undefined {
  const ms = Object.values(e?.models ?? {});
  if (ms.length === 0) return undefined;
  return [Math.max(...ms.map((m) => m.convRange[0])), Math.min(...ms.map((m) => m.convRange[1]))];
}

export function PacbedPage() {
  const reg = useAsync(() => pacbedApi.models(), []);
  const usable = (reg.data?.entries ?? []).filter((e) => e.models.thickness && e.models.mistilt);
  const [keyId, setKeyId] = useState<string>();
  const entry = usable.find((e) => keyOf(e) === keyId) ?? usable[0];
  const r = range(entry);
  const [angle, setAngle] = useState<string>();
  const conv = angle ?? (r ? String((r[0] + r[1]) / 2) : '');
  const [busy, setBusy] = useState<'' | 'uploading' | 'predicting'>('');
  const [error, setError] = useState<Error>();
  const [pred, setPred] = useState<PacbedPrediction>();
  const [name, setName] = useState<string>();

  async function run(f: File) {
    if (!entry) return;
    setError(undefined);
    setPred(undefined);
    setName(f.name);
    try {
      setBusy('uploading');
      const rec = await api.upload(f);
      setBusy('predicting');
      setPred(
        await pacbedApi.predict({
          input: { root: 'uploads', path: rec.id },
          material: entry.material,
          kv: entry.kv,
          zone: entry.zone,
          convAngle: Number(conv),
        }),
      );
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy('');
    }
  }

  const ready = entry !== undefined && busy === '';
  return (
    <div className="page pacbed-page">
      <aside className="sidebar">
        <h2>PACBED</h2>
        <ErrorBox error={reg.error} />
        <Field label="material, kV, zone">
          <select
            aria-label="key"
            value={entry ? keyOf(entry) : ''}
            onChange={(e) => {
              setKeyId(e.target.value);
              setAngle(undefined);
            }}
          >
            {usable.map((e) => (
              <option key={keyOf(e)} value={keyOf(e)}>
                {e.material}, {e.kv} kV, [{e.zone.join(' ')}]
                {e.models.scale ? '' : ' (no scale CNN)'}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label={r ? `convergence angle [mrad] (${r[0]}…${r[1]})` : 'convergence angle [mrad]'}
        >
          <input
            aria-label="convergence angle"
            type="number"
            step="any"
            value={conv}
            min={r?.[0]}
            max={r?.[1]}
            onChange={(e) => setAngle(e.target.value)}
          />
        </Field>
        {reg.data && usable.length === 0 ? (
          <p className="muted">
            No PACBED models in the server's models root (register looked up in {reg.data.root}):
            train them with <code>bragg pacbed train</code> or run <code>bragg pacbed demo</code>,
            then start <code>bragg serve --models</code> on that folder.
          </p>
        ) : null}
        <DropZone
          testId="pacbed-drop"
          inputTestId="pacbed-input"
          accept=".dm4,.dm3,.tif,.tiff,.png,.npy"
          enabled={ready}
          prompt="Drop a pattern here (DM3/DM4, TIFF, PNG, NPY)"
          choose="or choose a file…"
          onFiles={(fs) => void run(fs[0]!)}
        />
        {name ? <p className="muted">pattern: {name}</p> : null}
        <Loading when={busy !== ''}>{busy}…</Loading>
      </aside>
      <section className="results">
        <ErrorBox error={error} />
        {pred ? (
          <div data-testid="pacbed-result">
            <h2>{pred.key}</h2>
            <table className="pacbed-values">
              <tbody>
                <tr data-testid="pacbed-thickness">
                  <th>thickness</th>
                  <td>{pred.thickness.value} Å</td>
                  <td>p {pred.thickness.probability.toFixed(2)}</td>
                  <td>
                    expected {pred.thickness.expected.toFixed(1)} ±{' '}
                    {pred.thickness.spread.toFixed(1)} Å
                  </td>
                </tr>
                <tr data-testid="pacbed-mistilt">
                  <th>mistilt</th>
                  <td>{pred.mistilt.value} mrad</td>
                  <td>p {pred.mistilt.probability.toFixed(2)}</td>
                  <td>
                    expected {pred.mistilt.expected.toFixed(2)} ± {pred.mistilt.spread.toFixed(2)}{' '}
                    mrad
                  </td>
                </tr>
                <tr data-testid="pacbed-scale">
                  <th>scale</th>
                  <td>{pred.scale.toFixed(4)}</td>
                  <td colSpan={2}>
                    {pred.scaleModel
                      ? `${pred.scaleSteps.length} passes of the scale CNN`
                      : 'no scale CNN registered'}
                  </td>
                </tr>
              </tbody>
            </table>
            <ProbabilityChart name="thickness" unit="Å" t={pred.thickness} />
            <ProbabilityChart name="mistilt" unit="mrad" t={pred.mistilt} />
            <h3>The CNN input and the probabilities (server figure)</h3>
            <img
              data-testid="pacbed-figure"
              alt="PACBED result figure"
              src={`data:image/png;base64,${pred.validation}`}
            />
            <p className="muted">
              {Math.round(pred.timings.totalMs ?? 0)} ms prediction,{' '}
              {Math.round(pred.timings.loadMs ?? 0)} ms loading the models
            </p>
          </div>
        ) : null}
      </section>
    </div>
  );
}
