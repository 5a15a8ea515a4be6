/** The shell: a navigation bar built from the page registry, the server's version, the page. */
import { api } from './api';
import { ErrorBoundary } from './components/ErrorBoundary';
import { useAsync } from './hooks';
import { PAGES, findPage } from './pages';
import { href, useRoute } from './router';

export function App() {
  const route = useRoute();
  const version = useAsync(() => api.version(), []);
  const page = findPage(route.page) ?? PAGES[0];
  const Page = page?.component;
  return (
    <div className="app">
      <header className="top">
        <a className="brand" href="#/">
          bragg
        </a>
        <nav>
          {PAGES.map((p) => (
            <a key={p.id} href={href(p.id)} className={p.id === page?.id ? 'active' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <span className="version muted">
          {version.data ? `bragg ${version.data.bragg} · node ${version.data.node}` : ''}
        </span>
        <a className="docs" href="/docs" target="_blank" rel="noreferrer">
          API docs
        </a>
      </header>
      <main>
        <ErrorBoundary key={page?.id}>{Page ? <Page /> : null}</ErrorBoundary>
      </main>
    </div>
  );
}
