/**
 * Client of the PACBED routes (`/api/pacbed/models`, `/api/pacbed/predict`). Failures throw the
 * shared `ApiError` with the server's message, code and field.
 */
import { ApiError } from './api';
import type { FileRef } from './api-types';

export interface PacbedRegisteredModel {
  id: string;
  dir: string;
  /** Convergence angles [mrad] the model was trained on. */
  convRange: [number, number];
}

export interface PacbedRegisterEntry {
  material: string;
  /** High tension [kV]. */
  kv: number;
  zone: [number, number, number];
  dir: string;
  models: Partial<Record<'thickness' | 'mistilt' | 'scale', PacbedRegisteredModel>>;
}

export interface PacbedTarget {
  value: number;
  probability: number;
  expected: number;
  spread: number;
  labels: number[];
  probabilities: number[];
}

export interface PacbedPredictRequest {
  input: FileRef;
  material: string;
  kv: number;
  zone: [number, number, number];
  /** mrad */
  convAngle: number;
}

export interface PacbedPrediction {
  input: FileRef;
  /** Å */
  thickness: PacbedTarget;
  /** mrad */
  mistilt: PacbedTarget;
  scale: number;
  scaleModel: boolean;
  scaleSteps: { s: number; probability: number; total: number }[];
  timings: Record<string, number>;
  key: string;
  /** base64 PNG */
  validation: string;
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(`cannot reach the server: ${(e as Error).message}`, 0, 'NETWORK');
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const e = (body as { error?: { message?: string; code?: string; field?: string } } | undefined)?.error; // prettier-ignore
    throw new ApiError(
      e?.message ?? (text.split('\n')[0]?.slice(0, 200) || `${res.status} ${res.statusText}`),
      res.status,
      e?.code ?? 'HTTP',
      e?.field,
    );
  }
  return body as T;
}

export const pacbedApi = {
  models: () => call<{ root: string; entries: PacbedRegisterEntry[] }>('/api/pacbed/models'),
  predict: (r: PacbedPredictRequest) =>
    call<PacbedPrediction>('/api/pacbed/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(r),
    }),
};
