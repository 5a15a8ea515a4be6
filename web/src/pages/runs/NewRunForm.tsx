/**
 * "New run": a form that submits a phase job to `POST /api/jobs` — a dataset sweep (bundled
 * structures, seeds, orientations, detector, calibration), a training run (a completed dataset
 * run, epochs, batch size) or a batch prediction (a model of the models root and a served or
 * uploaded map). The server's 4xx message is shown next to the field it names (`config.…`,
 * `data…`, `options.…`, `model`, `input…`), or above the form when no field shows it; on
 * success the page follows the new run live (its detail page).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../../api';
import type { FileRef, JobRequest } from '../../api-types';
import { ErrorBox } from '../../components/common';
import { useAsync } from '../../hooks';
import { href, navigate } from '../../router';

type Kind = 'dataset' | 'train' | 'predict';

/** The request fields each form field stands for (the server's `error.field`, or a prefix). */
const FIELDS = {
  name: ['config.name'],
  phases: ['config.phases'],
  seeds: ['config.seeds'],
  orientations: ['config.orientations'],
  detector: ['config.detector'],
  calibration: ['config.calibration'],
  chunkSize: ['config.chunkSize'],
  crop: ['config.postprocessing'],
  config: ['config'],
  data: ['data'],
  epochs: ['options.epochs'],
  batchSize: ['options.batchSize'],
  options: ['options'],
  model: ['model'],
  input: ['input'],
} as const;
type FieldId = keyof typeof FIELDS;

/** The form field that shows a server error naming `field` (the longest matching prefix). */
export function fieldOf(field: string | undefined, kind: Kind): FieldId | undefined {
  if (!field) return undefined;
  const shown: Record<Kind, FieldId[]> = {
    dataset: ['name', 'phases', 'seeds', 'orientations', 'detector', 'calibration', 'chunkSize', 'crop', 'config'], // prettier-ignore
    train: ['data', 'epochs', 'batchSize', 'options'],
    predict: ['model', 'input'],
  };
  let best: FieldId | undefined;
  let len = -1;
  for (const id of shown[kind]) {
    for (const p of FIELDS[id]) {
      const hit = field === p || field.startsWith(`${p}.`) || field.startsWith(`${p}[`);
      if (hit && p.length > len) [best, len] = [id, p.length];
    }
  }
  return best;
}

function FormField(props: {
  id: FieldId;
  label: string;
  error: ApiError | undefined;
  shownAt: FieldId | undefined;
  children: ReactNode;
}) {
  const err = props.shownAt === props.id ? props.error : undefined;
  return (
    <label className="field" data-field={props.id}>
      <span>{props.label}</span>
      {props.children}
      {err ? (
        <span className="field-error bad" role="alert" data-testid={`error-${props.id}`}>
          {err.field ? <code>{err.field}</code> : null} {err.message}
        </span>
      ) : null}
    </label>
  );
}

/** A server error about a whole part of the request (`config`, `options`), above its fields. */
function FormNote(props: {
  id: FieldId;
  error: ApiError | undefined;
  shownAt: FieldId | undefined;
}) {
  if (props.shownAt !== props.id || !props.error) return null;
  return (
    <div className="field-error bad" role="alert" data-testid={`error-${props.id}`}>
      {props.error.field ? <code>{props.error.field}</code> : null} {props.error.message}
    </div>
  );
}

/** `0, 5` → [0, 5] (anything else goes to the server as text, which names the field). */
function list(text: string): unknown[] {
  return text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s));
}

/** A number field's value: a number when it reads as one, else the text (for the server to refuse). */
function numeric(text: string): unknown {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

/**
 * Waits (up to ~15 s) until the run registry lists `runId`, which the detail page reads. The
 * server answers the submission once the record exists, but gives up waiting for it after 10 s
 * (a slow registry); the list is polled, not the run itself, so the wait makes no 404s.
 */
async function untilListed(runId: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const { runs } = await api.runs();
    if (runs.some((r) => r.id === runId)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
}

export function NewRunForm({ onClose }: { onClose?: () => void }) {
  const [kind, setKind] = useState<Kind>('dataset');
  // dataset
  const structures = useAsync(() => api.structures(), []);
  const [name, setName] = useState('ui-dataset');
  const [phases, setPhases] = useState<string[]>(['au', 'pbi2-2h']);
  const [seeds, setSeeds] = useState('0');
  const [orientations, setOrientations] = useState('24');
  const [detector, setDetector] = useState('128');
  const [calibration, setCalibration] = useState('0.0235');
  const [chunkSize, setChunkSize] = useState('12');
  const [crop, setCrop] = useState('3, 40');
  // train
  const runs = useAsync(() => api.runs(), []);
  const datasets = (runs.data?.runs ?? []).filter(
    (r) => r.kind.includes('dataset') && r.status === 'completed',
  );
  const [dataRun, setDataRun] = useState('');
  const [epochs, setEpochs] = useState('5');
  const [batchSize, setBatchSize] = useState('32');
  // predict
  const models = useAsync(() => api.models(), []);
  const phaseModels = (models.data?.models ?? []).filter((m) => m.workflow === 'phase');
  const roots = useAsync(() => api.roots(), []);
  const [model, setModel] = useState('');
  const [input, setInput] = useState<FileRef>({ root: 'uploads', path: '' });
  const [uploading, setUploading] = useState(false);

  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const shownAt = fieldOf(error?.field, kind);

  function request(): JobRequest {
    if (kind === 'dataset') {
      return {
        kind,
        workflow: 'phase',
        config: {
          name,
          seeds: list(seeds),
          phases: phases.map((p) => ({ name: p, cif: p })),
          orientations: { count: numeric(orientations) },
          detector: { size: numeric(detector) },
          calibration: { value: numeric(calibration) },
          chunkSize: numeric(chunkSize),
          postprocessing: { cropPx: list(crop) },
        },
      };
    }
    if (kind === 'train') {
      return {
        kind,
        workflow: 'phase',
        data: { run: dataRun || datasets[0]?.id || '' },
        options: { epochs: numeric(epochs), batchSize: numeric(batchSize) },
      } as JobRequest;
    }
    return { kind, workflow: 'phase', model: model || phaseModels[0]?.id || '', input };
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const { runId } = await api.submitJob(request());
      await untilListed(runId);
      navigate(href('runs', [runId]));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError((err as Error).message, 0, 'CLIENT'));
    } finally {
      setBusy(false);
    }
  }

  async function upload(file: File | undefined) {
    if (!file) return;
    setError(undefined);
    setUploading(true);
    try {
      const u = await api.upload(file);
      setInput({ root: 'uploads', path: u.id });
    } catch (err) {
      setError(
        err instanceof ApiError
          ? new ApiError(err.message, err.status, err.code, err.field ?? 'input')
          : new ApiError((err as Error).message, 0, 'CLIENT', 'input'),
      );
    } finally {
      setUploading(false);
    }
  }

  const f = { error, shownAt };
  return (
    <form className="new-run" data-testid="new-run" onSubmit={(e) => void submit(e)} noValidate>
      <h3>New run</h3>
      <label className="field">
        <span>kind</span>
        <select
          aria-label="kind"
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as Kind);
            setError(undefined);
          }}
        >
          <option value="dataset">phase dataset sweep</option>
          <option value="train">phase training run</option>
          <option value="predict">phase batch prediction</option>
        </select>
      </label>
      {error && shownAt === undefined ? <ErrorBox error={error} /> : null}

      {kind === 'dataset' ? (
        <>
          <FormNote id="config" {...f} />
          <FormField id="name" label="name" {...f}>
            <input aria-label="name" value={name} onChange={(e) => setName(e.target.value)} />
          </FormField>
          <FormField id="phases" label="phases (bundled structures)" {...f}>
            <select
              aria-label="phases"
              multiple
              size={Math.min(8, Math.max(3, structures.data?.structures.length ?? 3))}
              value={phases}
              onChange={(e) => setPhases([...e.target.selectedOptions].map((o) => o.value))}
            >
              {(structures.data?.structures ?? []).map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name} ({s.formula}, {s.spaceGroup})
                </option>
              ))}
            </select>
          </FormField>
          <FormField id="seeds" label="seeds" {...f}>
            <input aria-label="seeds" value={seeds} onChange={(e) => setSeeds(e.target.value)} />
          </FormField>
          <FormField id="orientations" label="orientations per seed and phase" {...f}>
            <input
              aria-label="orientations"
              inputMode="numeric"
              value={orientations}
              onChange={(e) => setOrientations(e.target.value)}
            />
          </FormField>
          <FormField id="detector" label="detector size [px]" {...f}>
            <input
              aria-label="detector size"
              inputMode="numeric"
              value={detector}
              onChange={(e) => setDetector(e.target.value)}
            />
          </FormField>
          <FormField id="calibration" label="calibration [Å⁻¹/px]" {...f}>
            <input
              aria-label="calibration"
              inputMode="decimal"
              value={calibration}
              onChange={(e) => setCalibration(e.target.value)}
            />
          </FormField>
          <FormField id="crop" label="profile crop [first, last px]" {...f}>
            <input aria-label="crop" value={crop} onChange={(e) => setCrop(e.target.value)} />
          </FormField>
          <FormField id="chunkSize" label="patterns per shard" {...f}>
            <input
              aria-label="chunk size"
              inputMode="numeric"
              value={chunkSize}
              onChange={(e) => setChunkSize(e.target.value)}
            />
          </FormField>
        </>
      ) : null}

      {kind === 'train' ? (
        <>
          <FormField id="data" label="dataset (a completed dataset run)" {...f}>
            <select
              aria-label="dataset run"
              value={dataRun || datasets[0]?.id || ''}
              onChange={(e) => setDataRun(e.target.value)}
            >
              {datasets.length === 0 ? <option value="">no completed dataset run</option> : null}
              {datasets.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.id} ({r.patterns} patterns)
                </option>
              ))}
            </select>
          </FormField>
          <FormField id="epochs" label="epochs" {...f}>
            <input aria-label="epochs" value={epochs} onChange={(e) => setEpochs(e.target.value)} />
          </FormField>
          <FormField id="batchSize" label="batch size" {...f}>
            <input
              aria-label="batch size"
              value={batchSize}
              onChange={(e) => setBatchSize(e.target.value)}
            />
          </FormField>
          <FormNote id="options" {...f} />
        </>
      ) : null}

      {kind === 'predict' ? (
        <>
          <FormField id="model" label="model" {...f}>
            <select
              aria-label="model"
              value={model || phaseModels[0]?.id || ''}
              onChange={(e) => setModel(e.target.value)}
            >
              {phaseModels.length === 0 ? <option value="">no phase model</option> : null}
              {phaseModels.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id} ({m.labels.join(', ')})
                </option>
              ))}
            </select>
          </FormField>
          <FormField id="input" label="map (a served file, or upload one)" {...f}>
            <span className="zone">
              <select
                aria-label="input root"
                value={input.root}
                onChange={(e) => setInput({ ...input, root: e.target.value })}
              >
                {(roots.data?.roots ?? [{ id: 'uploads', label: 'uploads' }]).map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.label}
                  </option>
                ))}
              </select>
              <input
                aria-label="input path"
                placeholder="path/in/root.npz (or an upload id)"
                value={input.path}
                onChange={(e) => setInput({ ...input, path: e.target.value })}
              />
            </span>
            <input
              type="file"
              aria-label="upload map"
              accept=".npz,.h5,.hdf5,.nxs"
              onChange={(e) => void upload(e.target.files?.[0])}
            />
            {uploading ? <span className="muted">uploading…</span> : null}
          </FormField>
        </>
      ) : null}

      <p>
        <button type="submit" disabled={busy || uploading}>
          {busy ? 'Submitting…' : 'Submit'}
        </button>{' '}
        {onClose ? (
          <button type="button" onClick={onClose}>
            Close
          </button>
        ) : null}
      </p>
    </form>
  );
}
