/**
 * A small hash router: `#/<page>/<rest…>?<params>`. Pages read the route with `useRoute()` and
 * move with `navigate()` or plain `<a href="#/…">` links; the browser's back button works.
 */
import { useEffect, useState } from 'react';

export interface Route {
  /** The page id (first path segment), `''` for the home page. */
  page: string;
  /** The remaining path segments, decoded. */
  rest: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const path = q < 0 ? h : h.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
  const parts = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  return { page: parts[0] ?? '', rest: parts.slice(1), params };
}

/** `#/page/a/b?k=v` from its parts (undefined params are left out). */
export function href(
  page: string,
  rest: readonly string[] = [],
  params: Record<string, string | number | undefined> = {},
): string {
  const path = [page, ...rest].map((s) => encodeURIComponent(s)).join('/');
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) p.set(k, String(v));
  const qs = p.toString();
  return `#/${path}${qs === '' ? '' : `?${qs}`}`;
}

export function navigate(to: string): void {
  if (window.location.hash !== to) window.location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
