/**
 * Models: the models under the server's models root, and one model's detail: labels, metrics,
 * confusion matrix, training curves, lineage and the bundle's images (`/api/models/:id/files/`).
 */
import { api } from '../../api';
import { ErrorBox, JsonBlock, Loading, num } from '../../components/common';
import { ConfusionTable, Curves } from '../../components/model-charts';
import { useAsync } from '../../hooks';
import { href, useRoute } from '../../router';

function accuracy(metrics: Record<string, unknown> | undefined): string {
  const v = metrics?.validation as { accuracy?: unknown } | undefined;
  return typeof v?.accuracy === 'number' ? num(v.accuracy) : '—';
}

function ModelList() {
  const models = useAsync(() => api.models(), []);
  return (
    <section>
      <h2>Models</h2>
      <ErrorBox error={models.error} />
      <Loading when={models.loading && !models.data} />
      {models.data && models.data.models.length === 0 ? (
        <p className="muted">No models in the models root.</p>
      ) : null}
      {models.data && models.data.models.length > 0 ? (
        <table className="table" data-testid="models">
          <thead>
            <tr>
              <th>model</th>
              <th>workflow</th>
              <th>architecture</th>
              <th>labels</th>
              <th>val. accuracy</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {models.data.models.map((m) => (
              <tr key={m.id}>
                <td>
                  <a href={href('models', [m.id])}>{m.id}</a>
                </td>
                <td>{m.workflow}</td>
                <td>{m.architecture}</td>
                <td>{m.labels.join(', ')}</td>
                <td className="num">{accuracy(m.metrics)}</td>
                <td>{new Date(m.created).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

const IMAGES = ['confusion.png', 'curves.png'];

interface LineageRun {
  runId: string;
  kind?: string;
  role?: string;
  status?: string;
}

/** The model's datasets and the runs that made or used it (runs linked to their page). */
function Lineage({ value }: { value: unknown }) {
  const l = (value ?? {}) as { datasets?: unknown; runs?: unknown };
  const runs = Array.isArray(l.runs)
    ? (l.runs as LineageRun[]).filter((r) => typeof r?.runId === 'string')
    : [];
  const datasets = Array.isArray(l.datasets) ? l.datasets.map(String) : [];
  if (runs.length === 0 && datasets.length === 0) return <JsonBlock value={value ?? null} />;
  return (
    <ul data-testid="lineage">
      {datasets.map((d) => (
        <li key={d}>dataset {d}</li>
      ))}
      {runs.map((r) => (
        <li key={r.runId}>
          {r.role ?? 'run'}: <a href={href('runs', [r.runId])}>{r.runId}</a>{' '}
          <span className="muted">
            {r.kind} {r.status}
          </span>
        </li>
      ))}
    </ul>
  );
}

function ModelDetailView({ id }: { id: string }) {
  const model = useAsync(() => api.model(id), [id]);
  const m = model.data;
  return (
    <section data-testid="model-detail">
      <p>
        <a href={href('models')}>← all models</a>
      </p>
      <h2>{id}</h2>
      <ErrorBox error={model.error} />
      <Loading when={model.loading && !m} />
      {m ? (
        <>
          <h3>Labels</h3>
          <ol className="labels" data-testid="labels">
            {m.labels.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ol>
          <h3>Confusion matrix</h3>
          {m.confusion ? (
            <ConfusionTable labels={m.confusion.labels} matrix={m.confusion.matrix} />
          ) : (
            <p className="muted">No confusion matrix recorded.</p>
          )}
          <h3>Training curves</h3>
          {m.curves ? (
            <Curves epochs={m.curves.epochs} />
          ) : (
            <p className="muted">No curves recorded.</p>
          )}
          <h3>Images</h3>
          <div className="images">
            {IMAGES.map((name) => (
              <figure key={name}>
                <img
                  src={api.modelFileUrl(id, name)}
                  alt={name}
                  onError={(e) => ((e.target as HTMLImageElement).parentElement!.hidden = true)}
                />
                <figcaption>{name}</figcaption>
              </figure>
            ))}
          </div>
          <h3>Lineage</h3>
          <Lineage value={m.lineage} />
          <h3>bragg.json</h3>
          <details>
            <summary>show</summary>
            <JsonBlock value={m.meta} />
          </details>
        </>
      ) : null}
    </section>
  );
}

export function ModelsPage() {
  const { rest } = useRoute();
  const id = rest[0];
  return (
    <div className="page models-page">
      {id ? <ModelDetailView key={id} id={id} /> : <ModelList />}
    </div>
  );
}
