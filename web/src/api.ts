/**
 * Typed client for every route of bragg's HTTP API (`bragg serve`). A failed request throws an
 * `ApiError` whose message is the server's `error.message` (with its code, field and status),
 * so pages show exactly what the server said.
 */
import type {
  ApiErrorBody,
  CifInput,
  DataJson,
  DataQuery,
  FileInfo,
  FileRef,
  Health,
  JobRequest,
  Listing,
  ModelDetail,
  ModelEntry,
  PatternResult,
  PhaseEvaluateRequest,
  PhaseEvaluation,
  PhasePrediction,
  ProfileResult,
  ReflectionsResult,
  Root,
  RunDetail,
  RunRecord,
  Scale,
  ScatteringParams,
  StructureEntry,
  UploadRecord,
  Version,
} from './api-types';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(x: unknown): x is ApiErrorBody {
  if (typeof x !== 'object' || x === null || !('error' in x)) return false;
  const e = (x as { error: unknown }).error;
  return (
    typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
  );
}

/** Turns a non-2xx response into an ApiError carrying the server's message. */
async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) {
    return new ApiError(body.error.message, res.status, body.error.code, body.error.field);
  }
  const line = text.split('\n')[0]?.slice(0, 200) ?? '';
  return new ApiError(line || `${res.status} ${res.statusText}`, res.status, 'HTTP');
}

/** `fetch`, with a network failure or a non-2xx answer as an ApiError (every page's API goes through it). */
export async function request(path: string, init?: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(`cannot reach the server: ${(e as Error).message}`, 0, 'NETWORK');
  }
  if (!res.ok) throw await failure(res);
  return res;
}

async function getJson<T>(path: string): Promise<T> {
  return (await request(path, { headers: { accept: 'application/json' } })).json() as Promise<T>;
}

async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json() as Promise<T>;
}

/** `?a=1&b=x` from the defined entries of `q`. */
export function query(q: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

const enc = encodeURIComponent;

export interface DataOptions extends DataQuery {
  scale?: Scale;
  colormap?: 'viridis' | 'gray';
}

export const api = {
  health: () => getJson<Health>('/api/health'),
  version: () => getJson<Version>('/api/version'),
  /** The JSON of `bragg doctor --json`. */
  backend: () => getJson<Record<string, unknown>>('/api/backend'),
  roots: () => getJson<{ roots: Root[] }>('/api/roots'),
  files: (root: string, path = '') => getJson<Listing>(`/api/files${query({ root, path })}`),
  info: (ref: FileRef) => getJson<FileInfo>(`/api/files/info${query({ ...ref })}`),
  data: (q: DataQuery) => getJson<DataJson>(`/api/files/data${query({ ...q, format: 'json' })}`),
  /** URL of a dataset as NPY or PNG, for download links and <img>. */
  dataUrl: (q: DataOptions & { format: 'npy' | 'png' }) => `/api/files/data${query({ ...q })}`,
  upload: async (file: File): Promise<UploadRecord> => {
    const form = new FormData();
    form.append('file', file, file.name);
    const res = await request('/api/uploads', { method: 'POST', body: form });
    return res.json() as Promise<UploadRecord>;
  },
  uploads: () => getJson<{ uploads: UploadRecord[] }>('/api/uploads'),

  structures: () => getJson<{ structures: StructureEntry[] }>('/api/structures'),
  reflections: (
    b: CifInput & { kv: number; gmax?: number; params?: ScatteringParams; dw?: boolean },
  ) => postJson<ReflectionsResult>('/api/simulate/reflections', b),
  profile: (b: CifInput & { kv: number; qmin?: number; qmax?: number; n?: number }) =>
    postJson<ProfileResult>('/api/simulate/profile', b),
  pattern: (
    b: CifInput & {
      kv: number;
      zone: [number, number, number];
      size?: number;
      calibration?: number;
      excitationError?: number;
    },
  ) => postJson<PatternResult>('/api/simulate/pattern', { ...b, format: 'json' }),

  submitJob: (b: JobRequest) => postJson<{ runId: string }>('/api/jobs', b),
  runs: () => getJson<{ runs: RunRecord[] }>('/api/runs'),
  run: (id: string) => getJson<RunDetail>(`/api/runs/${enc(id)}`),
  /** URL of the run's Server-Sent Events (`progress`, `log`, `end`). */
  runEventsUrl: (id: string) => `/api/runs/${enc(id)}/events`,
  cancelRun: (id: string) =>
    postJson<{ runId: string; status: string }>(`/api/runs/${enc(id)}/cancel`, {}),

  models: () => getJson<{ models: ModelEntry[] }>('/api/models'),
  model: (id: string) => getJson<ModelDetail>(`/api/models/${enc(id)}`),
  modelFileUrl: (id: string, name: string) => `/api/models/${enc(id)}/files/${enc(name)}`,
  registerModel: (path: FileRef) => postJson<{ id: string }>('/api/models/register', { path }),

  phasePredict: (model: string, input: FileRef) =>
    postJson<PhasePrediction>('/api/phase/predict', { model, input }),
  phaseEvaluate: (b: PhaseEvaluateRequest) => postJson<PhaseEvaluation>('/api/phase/evaluate', b),
};

export type Api = typeof api;
