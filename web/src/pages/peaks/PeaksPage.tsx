/**
 * Peaks (the peaks workflow's page): pick a served scan (root + path, optional dataset) or
 * upload one (NeXus/HDF5, NPY, TIFF) → `POST /api/peaks/scan`; the classic finder (or a model id)
 * predicts a window of up to 64 frames around the slider (`POST /api/peaks/predict`); the
 * frame is drawn by the server as its log image with the masks at α 0.25 (`POST
 * /api/peaks/overlay`), the peak table lists the frame's peaks (a click highlights one), and
 * the volume (frame, y, x) of the window's peak voxels is shown as three orthogonal projections.
 */
import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api';
import {
  decodeRle,
  peaksApi,
  PEAKS_WINDOW,
  type PeaksPrediction,
  type PeaksRequest,
  type PeaksScan,
} from '../../api-peaks';
import { ErrorBox, Field, Loading, num } from '../../components/common';
import { useAsync } from '../../hooks';
import { Projections } from './Projections';

export function PeaksPage() {
  const roots = useAsync(() => api.roots(), []);
  const [root, setRoot] = useState<string>();
  const [path, setPath] = useState('');
  const [dataset, setDataset] = useState('');
  const [model, setModel] = useState('');
  const [req, setReq] = useState<PeaksRequest>();
  const [scan, setScan] = useState<PeaksScan>();
  const [frame, setFrame] = useState(0);
  const [pred, setPred] = useState<PeaksPrediction>();
  const [image, setImage] = useState<string>();
  const [selected, setSelected] = useState<number>();
  const [busy, setBusy] = useState('');
  const [error, setError] = useState<Error>();
  const rootId = root ?? roots.data?.roots[0]?.id ?? '';

  async function open(r: PeaksRequest) {
    setError(undefined);
    setPred(undefined);
    setScan(undefined);
    setImage(undefined);
    setSelected(undefined);
    try {
      setBusy('opening');
      const s = await peaksApi.scan(r);
      setReq(r);
      setScan(s);
      setFrame(0);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy('');
    }
  }

  async function upload(f: File) {
    try {
      setBusy('uploading');
      const rec = await api.upload(f);
      await open({ input: { root: 'uploads', path: rec.id }, dataset, model });
    } catch (e) {
      setError(e as Error);
      setBusy('');
    }
  }

  // predict the window holding the frame when it is not predicted yet
  useEffect(() => {
    if (!req || !scan) return;
    if (pred && frame >= pred.frames[0] && frame < pred.frames[1]) return;
    let live = true;
    const a = Math.max(0, Math.min(frame - Math.floor(PEAKS_WINDOW / 4), scan.frames - PEAKS_WINDOW)); // prettier-ignore
    const b = Math.min(scan.frames, a + PEAKS_WINDOW);
    setBusy('predicting');
    peaksApi.predict(req, [a, b]).then(
      (p) => live && (setPred(p), setBusy('')),
      (e: unknown) => live && (setError(e as Error), setBusy('')),
    );
    return () => {
      live = false;
    };
  }, [req, scan, frame, pred]);

  // the frame's overlay image
  useEffect(() => {
    if (!req || !scan) return;
    let live = true;
    let url: string | undefined;
    peaksApi.overlay(req, frame).then(
      (blob) => {
        if (!live) return;
        url = URL.createObjectURL(blob);
        setImage(url);
      },
      (e: unknown) => live && setError(e as Error),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [req, scan, frame]);

  const current = pred?.results.find((r) => r.frame === frame);
  const peak = current?.peaks.find((p) => p.id === selected);
  const masks = useMemo(
    () => (pred && scan ? pred.results.map((r) => decodeRle(r.rle, scan.height * scan.width)) : []),
    [pred, scan],
  );

  return (
    <div className="page peaks-page">
      <aside className="sidebar">
        <h2>Peaks</h2>
        <ErrorBox error={roots.error} />
        <Field label="root">
          <select aria-label="root" value={rootId} onChange={(e) => setRoot(e.target.value)}>
            {(roots.data?.roots ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="scan path">
          <input
            aria-label="scan path"
            value={path}
            placeholder="scans/scan_0000.nxs"
            onChange={(e) => setPath(e.target.value)}
          />
        </Field>
        <Field label="dataset (optional)">
          <input
            aria-label="dataset"
            value={dataset}
            placeholder="/entry1/pil3_100k/data"
            onChange={(e) => setDataset(e.target.value)}
          />
        </Field>
        <Field label="model id (optional; classic finder without)">
          <input aria-label="model" value={model} onChange={(e) => setModel(e.target.value)} />
        </Field>
        <button
          type="button"
          data-testid="peaks-open"
          disabled={busy !== '' || path === '' || rootId === ''}
          onClick={() => void open({ input: { root: rootId, path }, dataset, model })}
        >
          Open scan
        </button>
        <label className={`button${busy === '' ? '' : ' disabled'}`}>
          or upload a scan…
          <input
            type="file"
            hidden
            disabled={busy !== ''}
            data-testid="peaks-input"
            accept=".nxs,.h5,.hdf5,.hdf,.npy,.tif,.tiff"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void upload(f);
              e.target.value = '';
            }}
          />
        </label>
        {scan ? (
          <p className="muted" data-testid="peaks-scan">
            {scan.dataset}: {scan.frames} frames of {scan.height} × {scan.width}
          </p>
        ) : null}
        <Loading when={busy !== ''}>{busy}…</Loading>
      </aside>
      <section className="results">
        <ErrorBox error={error} />
        {scan ? (
          <>
            <Field label={`frame ${frame} of ${scan.frames}`}>
              <input
                aria-label="frame"
                type="range"
                min={0}
                max={scan.frames - 1}
                value={frame}
                onChange={(e) => {
                  setFrame(Number(e.target.value));
                  setSelected(undefined);
                }}
              />
            </Field>
            <div
              style={{ position: 'relative', maxWidth: 3 * scan.width }}
              data-testid="peaks-frame"
            >
              {image ? (
                <img
                  alt={`frame ${frame} with its peak masks`}
                  src={image}
                  style={{ width: '100%', imageRendering: 'pixelated', display: 'block' }}
                />
              ) : null}
              {peak ? (
                <svg
                  viewBox={`0 0 ${scan.width} ${scan.height}`}
                  preserveAspectRatio="none"
                  style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }}
                >
                  <rect
                    data-testid="peaks-highlight"
                    x={peak.bbox[1] - 1}
                    y={peak.bbox[0] - 1}
                    width={peak.bbox[3] - peak.bbox[1] + 2}
                    height={peak.bbox[2] - peak.bbox[0] + 2}
                    fill="none"
                    stroke="#ff2020"
                    strokeWidth={1}
                  />
                </svg>
              ) : null}
            </div>
            <p className="muted">
              log image, masks at α 0.25 ·{' '}
              {pred
                ? `${pred.method}, frames ${pred.frames[0]}–${pred.frames[1] - 1}: ${pred.peaks} peaks`
                : ''}
            </p>
            <table className="peaks-table" data-testid="peaks-table">
              <thead>
                <tr>
                  <th>id</th>
                  <th>centroid y, x</th>
                  <th>bbox y0, x0, y1, x1</th>
                  <th>area</th>
                  <th>intensity</th>
                  <th>confidence</th>
                </tr>
              </thead>
              <tbody>
                {(current?.peaks ?? []).map((p) => (
                  <tr
                    key={p.id}
                    className={p.id === selected ? 'selected' : ''}
                    style={{
                      cursor: 'pointer',
                      background: p.id === selected ? '#ffe0e0' : undefined,
                    }}
                    onClick={() => setSelected(p.id === selected ? undefined : p.id)}
                  >
                    <td>{p.id}</td>
                    <td>
                      {p.centroid[0].toFixed(1)}, {p.centroid[1].toFixed(1)}
                    </td>
                    <td>{p.bbox.join(', ')}</td>
                    <td>{p.area}</td>
                    <td>{num(p.intensity)}</td>
                    <td>{p.confidence.toFixed(2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {current && current.peaks.length === 0 ? (
              <p className="muted">no peaks in this frame</p>
            ) : null}
            {pred ? (
              <Projections
                masks={masks}
                first={pred.frames[0]}
                height={scan.height}
                width={scan.width}
                frame={frame}
              />
            ) : null}
          </>
        ) : (
          <p className="muted">
            Open a served scan (a path in one of the server's roots) or upload one. Try{' '}
            <code>bragg peaks simulate -o scans</code> and serve that folder.
          </p>
        )}
      </section>
    </div>
  );
}
