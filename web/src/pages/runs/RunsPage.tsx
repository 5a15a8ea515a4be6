/**
 * Runs: the run registry's list, and one run's detail with live progress (Server-Sent Events
 * from `/api/runs/:id/events`), its shards, artifacts and lineage; a running run can be cancelled.
 * "New run" opens a form that submits a job (`NewRunForm.tsx`) and then follows it here.
 */
import { useEffect, useState } from 'react';
import { api } from '../../api';
import type { RunRecord } from '../../api-types';
import { ErrorBox, JsonBlock, Loading } from '../../components/common';
import { Curves } from '../../components/model-charts';
import { useAsync } from '../../hooks';
import { href, useRoute } from '../../router';
import { NewRunForm } from './NewRunForm';

const ACTIVE = new Set(['queued', 'pending', 'running']);

function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

function Progress({ done, total, failed }: { done: number; total: number; failed: number }) {
  const pct = total > 0 ? Math.round((100 * done) / total) : 0;
  return (
    <span className="progress" title={`${done} of ${total} done, ${failed} failed`}>
      <progress max={Math.max(total, 1)} value={done} /> {done}/{total}
      {failed > 0 ? <span className="bad"> ({failed} failed)</span> : null}{' '}
      {total > 0 ? `${pct}%` : ''}
    </span>
  );
}

function RunList() {
  const runs = useAsync(() => api.runs(), []);
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <h2>
        Runs <button onClick={runs.reload}>refresh</button>{' '}
        {creating ? null : <button onClick={() => setCreating(true)}>New run</button>}
      </h2>
      {creating ? <NewRunForm onClose={() => setCreating(false)} /> : null}
      <ErrorBox error={runs.error} />
      <Loading when={runs.loading && !runs.data} />
      {runs.data && runs.data.runs.length === 0 ? <p className="muted">No runs yet.</p> : null}
      {runs.data && runs.data.runs.length > 0 ? (
        <table className="table" data-testid="runs">
          <thead>
            <tr>
              <th>run</th>
              <th>kind</th>
              <th>status</th>
              <th>progress</th>
              <th>created</th>
              <th>output</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.runs.map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={href('runs', [r.id])}>{r.id}</a>
                </td>
                <td>{r.kind}</td>
                <td className={`status status-${r.status}`}>{r.status}</td>
                <td>
                  <Progress done={r.doneShards} total={r.totalShards} failed={r.failedShards} />
                </td>
                <td>{when(r.createdAt)}</td>
                <td className="muted">{r.outDir}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

interface Live {
  done: number;
  total: number;
  failed: number;
  status?: string;
  log: string[];
}

/** Follows a run's events while it is active; `onEnd` when the server sends `end`. */
function useRunEvents(run: RunRecord | undefined, onEnd: () => void): Live | undefined {
  const [live, setLive] = useState<Live>();
  const id = run?.id;
  const active = run ? ACTIVE.has(run.status) : false;
  useEffect(() => {
    if (!id || !active) return;
    const es = new EventSource(api.runEventsUrl(id));
    const parse = (e: MessageEvent): Record<string, unknown> => {
      try {
        return JSON.parse(String(e.data)) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    es.addEventListener('progress', (e) => {
      const d = parse(e as MessageEvent);
      setLive((l) => ({
        log: l?.log ?? [],
        done: Number(d.done ?? 0),
        total: Number(d.total ?? 0),
        failed: Number(d.failed ?? 0),
      }));
    });
    es.addEventListener('log', (e) => {
      const d = parse(e as MessageEvent);
      setLive((l) => ({
        done: l?.done ?? 0,
        total: l?.total ?? 0,
        failed: l?.failed ?? 0,
        log: [...(l?.log ?? []), String(d.message ?? '')].slice(-200),
      }));
    });
    es.addEventListener('end', (e) => {
      const d = parse(e as MessageEvent);
      setLive((l) => ({
        done: 0,
        total: 0,
        failed: 0,
        log: [],
        ...l,
        status: String(d.status ?? ''),
      }));
      es.close();
      onEnd();
    });
    // EventSource retries by itself after a network error; a closed run stays closed.
    return () => es.close();
    // onEnd is a fresh closure every render; the subscription depends on the run only.
  }, [id, active]);
  return live;
}

/** Model ids a run wrote (lineage entries `output` of kind `model`). */
export function outputModels(lineage: unknown): string[] {
  if (!Array.isArray(lineage)) return [];
  return lineage
    .filter(
      (l): l is { role: string; kind: string; refId: string } =>
        typeof l === 'object' &&
        l !== null &&
        (l as { role?: unknown }).role === 'output' &&
        (l as { kind?: unknown }).kind === 'model' &&
        typeof (l as { refId?: unknown }).refId === 'string',
    )
    .map((l) => l.refId);
}

/** The training curves of a model a run produced (a training run). */
function RunModel({ id }: { id: string }) {
  const model = useAsync(() => api.model(id), [id]);
  return (
    <>
      <h3>
        Model <a href={href('models', [id])}>{id}</a>
      </h3>
      {model.error ? <p className="muted">The model is not in the models root.</p> : null}
      {model.data?.curves ? <Curves epochs={model.data.curves.epochs} /> : null}
    </>
  );
}

function RunDetailView({ id }: { id: string }) {
  const detail = useAsync(() => api.run(id), [id]);
  const [cancelError, setCancelError] = useState<Error>();
  const run = detail.data?.run;
  const live = useRunEvents(run, detail.reload);
  const status = live?.status ?? run?.status;
  return (
    <section data-testid="run-detail">
      <p>
        <a href={href('runs')}>← all runs</a>
      </p>
      <h2>{id}</h2>
      <ErrorBox error={detail.error} />
      <Loading when={detail.loading && !detail.data} />
      {run ? (
        <>
          <table className="table kv">
            <tbody>
              <tr>
                <th>kind</th>
                <td>{run.kind}</td>
              </tr>
              <tr>
                <th>status</th>
                <td className={`status status-${status}`} data-testid="run-status">
                  {status}
                </td>
              </tr>
              <tr>
                <th>progress</th>
                <td>
                  <Progress
                    done={live?.total ? live.done : run.doneShards}
                    total={live?.total ? live.total : run.totalShards}
                    failed={live?.total ? live.failed : run.failedShards}
                  />
                </td>
              </tr>
              <tr>
                <th>executor</th>
                <td>{run.executor}</td>
              </tr>
              <tr>
                <th>created</th>
                <td>{when(run.createdAt)}</td>
              </tr>
              <tr>
                <th>finished</th>
                <td>{when(run.finishedAt)}</td>
              </tr>
              <tr>
                <th>output</th>
                <td>{run.outDir}</td>
              </tr>
              {run.error ? (
                <tr>
                  <th>error</th>
                  <td className="bad">{run.error}</td>
                </tr>
              ) : null}
            </tbody>
          </table>
          {ACTIVE.has(status ?? '') ? (
            <button
              onClick={() => {
                setCancelError(undefined);
                api.cancelRun(id).then(detail.reload, (e: Error) => setCancelError(e));
              }}
            >
              Cancel run
            </button>
          ) : null}
          <ErrorBox error={cancelError} />
          {live && live.log.length > 0 ? <pre className="log">{live.log.join('\n')}</pre> : null}
          <h3>Shards ({detail.data?.shards.length ?? 0})</h3>
          <table className="table" data-testid="shards">
            <thead>
              <tr>
                <th>shard</th>
                <th>status</th>
                <th>attempts</th>
                <th>patterns</th>
                <th>ms</th>
                <th>worker</th>
                <th>file</th>
              </tr>
            </thead>
            <tbody>
              {(detail.data?.shards ?? []).slice(0, 1000).map((s) => (
                <tr key={s.shardId}>
                  <td>{s.shardId}</td>
                  <td className={`status status-${s.status}`}>{s.status}</td>
                  <td className="num">{s.attempts}</td>
                  <td className="num">{s.count}</td>
                  <td className="num">{s.ms ?? '—'}</td>
                  <td>{s.worker ?? ''}</td>
                  <td className="muted" title={s.error ?? s.sha256 ?? ''}>
                    {s.error ? <span className="bad">{s.error}</span> : s.file}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {outputModels(detail.data?.lineage).map((m) => (
            <RunModel key={m} id={m} />
          ))}
          <h3>Artifacts</h3>
          <JsonBlock value={detail.data?.artifacts ?? []} />
          <h3>Lineage</h3>
          <JsonBlock value={detail.data?.lineage ?? null} />
        </>
      ) : null}
    </section>
  );
}

export function RunsPage() {
  const { rest } = useRoute();
  const id = rest[0];
  return (
    <div className="page runs-page">{id ? <RunDetailView key={id} id={id} /> : <RunList />}</div>
  );
}
