/**
 * Phase (the phase workflow's page): choose a phase model, upload an experimental map (npz or
 * h5: `x` q-axis in Å⁻¹, `y` (ny, nx, n) radial profiles) → `POST /api/phase/predict` → the
 * phase map with legend and per-pixel probabilities → `POST /api/phase/evaluate` against the
 * bundled structures of the model's phases, or CIFs the user uploads.
 */
import { useEffect, useState } from 'react';
import { api } from '../../api';
import type { FileRef, PhaseEvaluation, PhasePrediction, UploadRecord } from '../../api-types';
import { ErrorBox, Field, Loading } from '../../components/common';
import { useAsync } from '../../hooks';
import { BrowserInference } from './BrowserInference';
import { EvaluationView } from './Evaluation';
import { PhaseMap } from './PhaseMap';

type Step = 'idle' | 'uploading' | 'predicting' | 'evaluating';

export function PhasePage() {
  const models = useAsync(() => api.models(), []);
  const structures = useAsync(() => api.structures(), []);
  const phaseModels = (models.data?.models ?? []).filter((m) => m.workflow === 'phase');
  const [modelId, setModelId] = useState<string>();
  const model = modelId ?? phaseModels[0]?.id;
  const [step, setStep] = useState<Step>('idle');
  const [error, setError] = useState<Error>();
  const [input, setInput] = useState<UploadRecord>();
  const [pred, setPred] = useState<PhasePrediction>();
  const [evaluation, setEvaluation] = useState<PhaseEvaluation>();
  const [cifs, setCifs] = useState<FileRef[]>();

  const bundled = new Set((structures.data?.structures ?? []).map((s) => s.name));
  const missing = pred ? pred.phases.filter((p) => !bundled.has(p)) : [];

  async function run(f: File) {
    if (!model) return;
    setError(undefined);
    setPred(undefined);
    setEvaluation(undefined);
    try {
      setStep('uploading');
      const rec = await api.upload(f);
      setInput(rec);
      setStep('predicting');
      setPred(await api.phasePredict(model, { root: 'uploads', path: rec.id }));
    } catch (e) {
      setError(e as Error);
    } finally {
      setStep('idle');
    }
  }

  // Evaluate once a prediction is there and every phase has a reference (bundled or uploaded).
  useEffect(() => {
    if (!pred || !input || evaluation) return;
    const refs = cifs ? { cifs } : missing.length === 0 ? { structures: pred.phases } : undefined;
    if (!refs) return;
    let live = true;
    setStep('evaluating');
    api
      .phaseEvaluate({
        prediction: pred.prediction,
        experiment: { root: 'uploads', path: input.id },
        ...refs,
      })
      .then(
        (e) => live && setEvaluation(e),
        (e: Error) => live && setError(e),
      )
      .finally(() => live && setStep('idle'));
    return () => {
      live = false;
    };
  }, [pred, input, cifs, missing.length, evaluation]);

  async function uploadCifs(files: FileList) {
    setError(undefined);
    try {
      const recs = await Promise.all(Array.from(files).map((f) => api.upload(f)));
      setEvaluation(undefined);
      setCifs(recs.map((r) => ({ root: 'uploads', path: r.id })));
    } catch (e) {
      setError(e as Error);
    }
  }

  return (
    <div className="page phase-page">
      <aside className="sidebar">
        <h2>Phase map</h2>
        <ErrorBox error={models.error} />
        <Field label="model">
          <select
            aria-label="model"
            value={model ?? ''}
            onChange={(e) => setModelId(e.target.value)}
          >
            {phaseModels.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id.slice(0, 8)} — {m.labels.join(', ')}
              </option>
            ))}
          </select>
        </Field>
        {models.data && phaseModels.length === 0 ? (
          <p className="muted">
            No phase model in the server's models root: train one (<code>bragg phase train</code>)
            or run <code>bragg demo</code>, then start <code>bragg serve --models</code> on its
            folder.
          </p>
        ) : null}
        <label className={`button${model ? '' : ' disabled'}`}>
          Upload a map (npz, h5)…
          <input
            type="file"
            hidden
            disabled={!model || step !== 'idle'}
            accept=".npz,.h5,.hdf5"
            data-testid="map-input"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void run(f);
              e.target.value = '';
            }}
          />
        </label>
        {input ? <p className="muted">map: {input.name}</p> : null}
        <Loading when={step !== 'idle'}>{step}…</Loading>
        {pred ? (
          <p>
            <a
              href={api.dataUrl({ ...pred.prediction, dataset: 'pred', format: 'npy' })}
              download="pred.npy"
            >
              probabilities (npy)
            </a>
          </p>
        ) : null}
      </aside>
      <section className="results">
        <ErrorBox error={error} />
        {pred ? (
          <>
            <h2>
              {pred.shape[0]} × {pred.shape[1]} px, {pred.phases.length} phases
            </h2>
            <PhaseMap p={pred} />
            <h3>Evaluation against the reflections of each phase</h3>
            {missing.length > 0 && !cifs ? (
              <div>
                <p>
                  No bundled structure for {missing.join(', ')}: choose the CIFs of all phases
                  (named after the phases).
                </p>
                <input
                  type="file"
                  multiple
                  accept=".cif"
                  data-testid="eval-cifs"
                  onChange={(e) => e.target.files && void uploadCifs(e.target.files)}
                />
              </div>
            ) : null}
            {evaluation ? <EvaluationView e={evaluation} /> : null}
            {input ? (
              <BrowserInference pred={pred} input={{ root: 'uploads', path: input.id }} />
            ) : null}
          </>
        ) : null}
      </section>
    </div>
  );
}
