/**
 * Client of the PACBED routes (`/api/pacbed/models`, `/api/pacbed/predict`). Failures throw the
 * shared `ApiError` with the server's message, code and field.
 */
import { request } from './api';
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
  return (await request(path, init)).json() as Promise<T>;
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
