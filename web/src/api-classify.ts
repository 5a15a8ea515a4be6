/**
 * Client of the classify routes (`/api/classify/models`, `/api/classify/predict`). Failures throw
 * the shared `ApiError` with the server's message, code and field.
 */
import { request } from './api';
import type { FileRef } from './api-types';

export interface ClassifyModel {
  id: string;
  dir: string;
  /** The class names, in the model's output order. */
  labels: string[];
  architecture: string;
  config: Record<string, unknown>;
  /** Network input side [px]. */
  targetSize: number;
  multiLabel: boolean;
  threshold: number;
  createdAt?: string;
  metrics?: Record<string, unknown>;
}

export interface ClassifyInput extends FileRef {
  /** Only this image of a stack. */
  frame?: number;
}

export interface ClassifyPredictRequest {
  model: string;
  inputs: ClassifyInput[];
  method?: 'gradcam++' | 'gradcam';
  /** Classes with an overlay: 'predicted' (default), 'all', 'none' or class names. */
  overlay?: 'predicted' | 'all' | 'none' | string[];
}

export interface ClassifiedImage {
  /** Index into the request's inputs. */
  input: number;
  frame: number;
  name: string;
  probabilities: number[];
  prediction: number[];
  classes: string[];
  best: string;
  /** base64 PNG of the network input. */
  image: string;
  /** class → base64 PNG of the Grad-CAM(++) map over the image. */
  overlays: Record<string, string>;
}

export interface ClassifyPrediction {
  model: string;
  labels: string[];
  targetSize: number;
  method: string;
  images: ClassifiedImage[];
  timings: Record<string, number>;
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  return (await request(path, init)).json() as Promise<T>;
}

export const classifyApi = {
  models: () => call<{ models: ClassifyModel[] }>('/api/classify/models'),
  predict: (r: ClassifyPredictRequest) =>
    call<ClassifyPrediction>('/api/classify/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(r),
    }),
};
