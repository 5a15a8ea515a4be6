/**
 * The optional in-browser run of the phase model (TensorFlow.js) on the same uploaded map, set
 * against the server's prediction: the backend used, the time, the largest probability
 * difference and the share of pixels with the same phase.
 */
import { useState } from 'react';
import { api } from '../../api';
import type { FileRef, PhasePrediction } from '../../api-types';
import { ErrorBox, Loading, num } from '../../components/common';
import type { BrowserPrediction } from './browser-infer';

export interface Agreement {
  maxDiff: number;
  sameArgmax: number;
}

export function agreement(server: PhasePrediction, local: BrowserPrediction): Agreement {
  let maxDiff = 0;
  const n = Math.min(server.probabilities.length, local.probabilities.length);
  for (let i = 0; i < n; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(server.probabilities[i]! - local.probabilities[i]!));
  }
  if (server.probabilities.length !== local.probabilities.length) maxDiff = Infinity;
  let same = 0;
  for (let i = 0; i < server.argmax.length; i++) if (server.argmax[i] === local.argmax[i]) same++;
  return { maxDiff, sameArgmax: same / Math.max(1, server.argmax.length) };
}

export function BrowserInference({ pred, input }: { pred: PhasePrediction; input: FileRef }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [result, setResult] = useState<{ local: BrowserPrediction; agree: Agreement }>();
  async function run() {
    setBusy(true);
    setError(undefined);
    try {
      const detail = await api.model(pred.cnnId);
      const input0 = detail.meta.input as { axis?: number[] } | undefined;
      if (!input0?.axis) throw new Error(`model ${pred.cnnId} records no q-axis in bragg.json`);
      const { predictInBrowser } = await import('./browser-infer');
      const local = await predictInBrowser(pred.cnnId, input0.axis, input);
      setResult({ local, agree: agreement(pred, local) });
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section>
      <h3>In the browser (TensorFlow.js)</h3>
      <button onClick={() => void run()} disabled={busy} data-testid="browser-infer">
        Run the model here
      </button>
      <Loading when={busy}>running the model in the browser…</Loading>
      <ErrorBox error={error} />
      {result ? (
        <table className="table kv" data-testid="browser-result">
          <tbody>
            <tr>
              <th>backend</th>
              <td data-testid="browser-backend">{result.local.backend}</td>
            </tr>
            <tr>
              <th>time</th>
              <td>{Math.round(result.local.ms)} ms (load, read, resample, predict)</td>
            </tr>
            <tr>
              <th>resampled</th>
              <td>{result.local.resampled ? 'yes, onto the model’s q-axis' : 'no'}</td>
            </tr>
            <tr>
              <th>largest |Δp| vs server</th>
              <td data-testid="browser-maxdiff">{num(result.agree.maxDiff, 3)}</td>
            </tr>
            <tr>
              <th>same phase as server</th>
              <td data-testid="browser-same">{num(100 * result.agree.sameArgmax, 4)} %</td>
            </tr>
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
