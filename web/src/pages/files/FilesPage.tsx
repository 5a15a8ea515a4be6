/**
 * Files: the server's data roots and the upload area (with an upload button), a directory
 * browser, and for the chosen file its datasets, metadata tree and a viewer.
 */
import { useState } from 'react';
import { api } from '../../api';
import type { FileRef } from '../../api-types';
import { ErrorBox, Loading, bytes } from '../../components/common';
import { MetadataTree } from '../../components/MetadataTree';
import { useAsync } from '../../hooks';
import { href, navigate, useRoute } from '../../router';
import { DatasetView } from './DatasetView';

function Breadcrumbs({ root, path }: { root: string; path: string }) {
  const parts = path.split('/').filter((s) => s !== '');
  return (
    <div className="crumbs">
      <a href={href('files', [], { root })}>{root}</a>
      {parts.map((p, i) => (
        <span key={i}>
          {' / '}
          <a href={href('files', [], { root, path: parts.slice(0, i + 1).join('/') })}>{p}</a>
        </span>
      ))}
    </div>
  );
}

function Listing({ root, path, file }: { root: string; path: string; file?: string }) {
  const list = useAsync(() => api.files(root, path), [root, path]);
  return (
    <section className="listing">
      <Breadcrumbs root={root} path={path} />
      <ErrorBox error={list.error} />
      <Loading when={list.loading && !list.data} />
      <table className="table files-table" data-testid="file-list">
        <tbody>
          {path !== '' ? (
            <tr>
              <td>
                <a href={href('files', [], { root, path: path.split('/').slice(0, -1).join('/') })}>
                  ..
                </a>
              </td>
              <td />
              <td />
            </tr>
          ) : null}
          {(list.data?.entries ?? []).map((e) => (
            <tr key={e.path} className={e.path === file ? 'selected' : undefined}>
              <td>
                {e.kind === 'dir' ? (
                  <a href={href('files', [], { root, path: e.path })}>📁 {e.name}</a>
                ) : (
                  <a href={href('files', [], { root, path, file: e.path })}>{e.name}</a>
                )}
              </td>
              <td className="muted">{e.kind === 'file' ? (e.format ?? '') : ''}</td>
              <td className="num muted">{e.kind === 'file' ? bytes(e.size) : ''}</td>
            </tr>
          ))}
          {list.data && list.data.entries.length === 0 ? (
            <tr>
              <td className="muted">empty</td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </section>
  );
}

function FileView({ file, dataset }: { file: FileRef; dataset?: string }) {
  const info = useAsync(() => api.info(file), [file.root, file.path]);
  const i = info.data;
  const chosen =
    i?.datasets.find((d) => d.name === dataset) ??
    i?.datasets.find((d) => d.name === i.defaultDataset) ??
    i?.datasets[0];
  return (
    <section className="file-view">
      <h2>{file.path}</h2>
      <ErrorBox error={info.error} />
      <Loading when={info.loading && !i} />
      {i ? (
        <>
          <p className="muted">format {i.format}</p>
          <table className="table" data-testid="datasets">
            <thead>
              <tr>
                <th>dataset</th>
                <th>shape</th>
                <th>dtype</th>
                <th>axes</th>
              </tr>
            </thead>
            <tbody>
              {i.datasets.map((d) => (
                <tr key={d.name} className={d === chosen ? 'selected' : undefined}>
                  <td>
                    <a
                      href={href('files', [], {
                        root: file.root,
                        path: file.path.split('/').slice(0, -1).join('/'),
                        file: file.path,
                        dataset: d.name,
                      })}
                    >
                      {d.name}
                    </a>
                  </td>
                  <td>{d.shape.join(' × ')}</td>
                  <td>{d.dtype}</td>
                  <td className="muted">
                    {d.axes
                      .map((a) => `${a.name ?? ''}${a.units ? ` [${a.units}]` : ''}`)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {chosen ? (
            <DatasetView key={`${file.path}:${chosen.name}`} file={file} info={chosen} />
          ) : null}
          <h3>Metadata</h3>
          <MetadataTree value={i.metadata} label="file" />
          {chosen ? <MetadataTree value={chosen.metadata} label={chosen.name} /> : null}
        </>
      ) : null}
    </section>
  );
}

export function FilesPage() {
  const { params } = useRoute();
  const roots = useAsync(() => api.roots(), []);
  const [uploadError, setUploadError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const root = params.get('root') ?? roots.data?.roots[0]?.id;
  const path = params.get('path') ?? '';
  const file = params.get('file') ?? undefined;
  const dataset = params.get('dataset') ?? undefined;

  async function upload(f: File) {
    setBusy(true);
    setUploadError(undefined);
    try {
      const rec = await api.upload(f);
      navigate(href('files', [], { root: 'uploads', path: '', file: rec.id }));
    } catch (e) {
      setUploadError(e as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page files-page">
      <aside className="sidebar">
        <h2>Roots</h2>
        <ErrorBox error={roots.error} />
        <ul className="roots" data-testid="roots">
          {(roots.data?.roots ?? []).map((r) => (
            <li key={r.id} className={r.id === root ? 'active' : undefined}>
              <a href={href('files', [], { root: r.id })} title={r.id}>
                {r.label}
              </a>
            </li>
          ))}
        </ul>
        <label className="button">
          {busy ? 'Uploading…' : 'Upload a file'}
          <input
            type="file"
            hidden
            data-testid="upload-input"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void upload(f);
              e.target.value = '';
            }}
          />
        </label>
        <ErrorBox error={uploadError} />
      </aside>
      {root ? <Listing key={root + path} root={root} path={path} file={file} /> : null}
      {root && file ? (
        <FileView key={root + file} file={{ root, path: file }} dataset={dataset} />
      ) : null}
    </div>
  );
}
