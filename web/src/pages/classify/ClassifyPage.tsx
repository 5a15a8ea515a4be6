/**
 * Classify (the classify workflow's page): choose a classify model of the server's models root,
 * drop or choose single-shot images (PNG, TIFF, NPY images; HDF5/CXI/NPZ stacks; TFRecord in
 * AiryNet's layout) → upload → `POST /api/classify/predict` → a table of the images with their
 * decided classes and a probability bar per class; click an image → the image with the
 * Grad-CAM++ (or Grad-CAM) overlay of a chosen class (fetched for that one image when the first
 * answer did not include it).
 */
import { useState } from 'react';
import { api } from '../../api';
import {
  classifyApi,
  type ClassifiedImage,
  type ClassifyInput,
  type ClassifyModel,
  type ClassifyPrediction,
} from '../../api-classify';
import { ErrorBox, Field, Loading } from '../../components/common';
import { DropZone } from '../../components/DropZone';
import { useAsync } from '../../hooks';

const png = (b64: string) => `data:image/png;base64,${b64}`;

function ProbabilityBars({
  labels,
  image,
  threshold,
}: {
  labels: string[];
  image: ClassifiedImage;
  threshold: number;
}) {
  return (
    <div className="classify-bars" data-testid="classify-bars">
      {labels.map((c, q) => {
        const p = image.probabilities[q] ?? 0;
        const on = image.prediction[q] === 1;
        return (
          <div
            key={c}
            title={`${c}: ${p.toFixed(3)}`}
            style={{ display: 'flex', alignItems: 'center', gap: 4, fontSize: '0.8em' }}
          >
            <span style={{ width: '8em', fontWeight: on ? 'bold' : 'normal' }}>{c}</span>
            <span
              style={{ position: 'relative', width: 120, height: 10, background: '#eee' }}
              aria-label={`${c} probability`}
            >
              <span
                data-testid="classify-bar"
                style={{
                  position: 'absolute',
                  left: 0,
                  top: 0,
                  bottom: 0,
                  width: `${Math.round(100 * Math.min(1, Math.max(0, p)))}%`,
                  background: on ? '#d62728' : '#1f77b4',
                }}
              />
              <span
                style={{
                  position: 'absolute',
                  left: `${100 * threshold}%`,
                  top: -2,
                  bottom: -2,
                  borderLeft: '1px solid #333',
                }}
              />
            </span>
            <span>{p.toFixed(2)}</span>
          </div>
        );
      })}
    </div>
  );
}

export function ClassifyPage() {
  const list = useAsync(() => classifyApi.models(), []);
  const models = list.data?.models ?? [];
  const [modelId, setModelId] = useState<string>();
  const model: ClassifyModel | undefined = models.find((m) => m.id === modelId) ?? models[0];
  const [method, setMethod] = useState<'gradcam++' | 'gradcam'>('gradcam++');
  const [busy, setBusy] = useState<'' | 'uploading' | 'predicting'>('');
  const [error, setError] = useState<Error>();
  const [pred, setPred] = useState<ClassifyPrediction>();
  const [inputs, setInputs] = useState<ClassifyInput[]>([]);
  const [selected, setSelected] = useState<number>();
  const [cls, setCls] = useState<string>();
  const [extra, setExtra] = useState<Record<string, string>>({});

  async function run(files: File[]) {
    if (!model || files.length === 0) return;
    setError(undefined);
    setPred(undefined);
    setSelected(undefined);
    setExtra({});
    try {
      setBusy('uploading');
      const refs: ClassifyInput[] = [];
      for (const f of files) refs.push({ root: 'uploads', path: (await api.upload(f)).id });
      setInputs(refs);
      setBusy('predicting');
      setPred(await classifyApi.predict({ model: model.id, inputs: refs, method }));
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy('');
    }
  }

  const image = selected !== undefined ? pred?.images[selected] : undefined;
  const shown = image ? (cls ?? image.best) : undefined;
  const key = (i: number, c: string) => `${i}|${c}`;
  const overlay =
    image && shown !== undefined
      ? (image.overlays[shown] ?? extra[key(selected!, shown)])
      : undefined;

  async function choose(i: number, c: string) {
    setSelected(i);
    setCls(c);
    const img = pred?.images[i];
    if (!img || !pred || img.overlays[c] !== undefined || extra[key(i, c)] !== undefined) return;
    const ref = inputs[img.input];
    if (!ref) return;
    try {
      setBusy('predicting');
      const one = await classifyApi.predict({
        model: pred.model,
        inputs: [{ ...ref, frame: img.frame }],
        // the method of the answer shown (the selector may have changed since)
        method: pred.method === 'gradcam' ? 'gradcam' : 'gradcam++',
        overlay: [c],
      });
      const b = one.images[0]?.overlays[c];
      if (b !== undefined) setExtra((x) => ({ ...x, [key(i, c)]: b }));
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy('');
    }
  }

  const ready = model !== undefined && busy === '';
  return (
    <div className="page classify-page">
      <aside className="sidebar">
        <h2>Classify</h2>
        <ErrorBox error={list.error} />
        <Field label="model">
          <select
            aria-label="model"
            value={model?.id ?? ''}
            onChange={(e) => setModelId(e.target.value)}
          >
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.dir} ({m.architecture}, {m.targetSize}², {m.labels.length} classes)
              </option>
            ))}
          </select>
        </Field>
        <Field label="explanation">
          <select
            aria-label="method"
            value={method}
            onChange={(e) => setMethod(e.target.value as 'gradcam++' | 'gradcam')}
          >
            <option value="gradcam++">Grad-CAM++</option>
            <option value="gradcam">Grad-CAM</option>
          </select>
        </Field>
        {list.data && models.length === 0 ? (
          <p className="muted">
            No classify models in the server's models root: train one with{' '}
            <code>bragg classify train</code> or run <code>bragg classify demo</code>, then start{' '}
            <code>bragg serve --models</code> on that folder.
          </p>
        ) : null}
        {model ? <p className="muted">classes: {model.labels.join(', ')}</p> : null}
        <DropZone
          testId="classify-drop"
          inputTestId="classify-input"
          accept=".png,.tif,.tiff,.npy,.npz,.h5,.hdf5,.cxi,.tfrecord,.tfrecords,.tfr"
          multiple
          enabled={ready}
          prompt="Drop images here (PNG, TIFF, NPY, HDF5/CXI stacks, TFRecord)"
          choose="or choose files…"
          onFiles={(fs) => void run(fs)}
        />
        <Loading when={busy !== ''}>{busy}…</Loading>
      </aside>
      <section className="results">
        <ErrorBox error={error} />
        {pred ? (
          <div data-testid="classify-result" style={{ display: 'flex', gap: '1em' }}>
            <table className="classify-table">
              <thead>
                <tr>
                  <th>image</th>
                  <th>name</th>
                  <th>classes</th>
                  <th>probabilities</th>
                </tr>
              </thead>
              <tbody>
                {pred.images.map((img, i) => (
                  <tr
                    key={`${img.input}:${img.frame}`}
                    data-testid="classify-row"
                    className={i === selected ? 'selected' : ''}
                    style={{ cursor: 'pointer', background: i === selected ? '#eef' : undefined }}
                    onClick={() => void choose(i, img.best)}
                  >
                    <td>
                      <img alt={img.name} src={png(img.image)} width={48} height={48} />
                    </td>
                    <td>{img.name}</td>
                    <td data-testid="classify-classes">{img.classes.join(', ') || '—'}</td>
                    <td>
                      <ProbabilityBars
                        labels={pred.labels}
                        image={img}
                        threshold={model?.threshold ?? 0.5}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {image && shown !== undefined ? (
              <div data-testid="classify-detail">
                <h3>{image.name}</h3>
                <Field label="class">
                  <select
                    aria-label="overlay class"
                    value={shown}
                    onChange={(e) => void choose(selected!, e.target.value)}
                  >
                    {pred.labels.map((c, q) => (
                      <option key={c} value={c}>
                        {c} ({(image.probabilities[q] ?? 0).toFixed(2)})
                      </option>
                    ))}
                  </select>
                </Field>
                {overlay !== undefined ? (
                  <img
                    data-testid="classify-overlay"
                    alt={`${pred.method} of ${shown}`}
                    src={png(overlay)}
                    style={{ width: 320, height: 320, imageRendering: 'pixelated' }}
                  />
                ) : (
                  <p className="muted">computing the map…</p>
                )}
                <p className="muted">
                  {pred.method === 'gradcam' ? 'Grad-CAM' : 'Grad-CAM++'} of “{shown}” over the
                  network input ({pred.targetSize}²)
                </p>
              </div>
            ) : null}
          </div>
        ) : null}
        {pred ? (
          <p className="muted">
            {pred.images.length} images, {Math.round(pred.timings.predictMs ?? 0)} ms prediction
          </p>
        ) : null}
      </section>
    </div>
  );
}
