/**
 * A generated corpus of bad requests for `bragg serve`, built from its OpenAPI document so that
 * every route is covered, new ones included: malformed JSON, wrong content types, bodies that
 * are not objects, unknown fields, every body property with a wrong type, missing required
 * fields, oversize bodies, bad query values (wrong types, out-of-range numbers, unknown enum
 * values, traversal variants for text), unknown query fields, unknown ids in path parameters,
 * unknown routes and methods. Each case expects a 4xx with the error body.
 */

export interface BadRequest {
  /** What the case tries, for the failure message. */
  name: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  const?: unknown;
  items?: Schema;
}

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
}

/** Path traversal and hostile text, in query strings (already percent-encoded where shown). */
export const TRAVERSALS: readonly string[] = [
  '..',
  '../..',
  '../../../../etc/passwd',
  'a/../../x',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc',
  '%252e%252e%252f',
  '..%2f..%2f',
  '..%5c..%5c',
  '%2fetc%2fpasswd',
  '/etc/passwd',
  '~',
  '~/.ssh/id_rsa',
  'C:%5cWindows',
  '%EF%BC%8E%EF%BC%8E%EF%BC%8F', // ．．／
  '%EF%BC%BC', // ＼
  'a%00b',
  '%00',
  '%C0%AE%C0%AE', // overlong UTF-8 dots
  '%E2%80%A4%E2%80%A4', // one-dot leaders
  'a%0Ab',
  'x'.repeat(5000),
  '%',
  '%zz',
];

const BAD_NUMBERS = [
  'abc',
  '1.5x',
  '',
  '1e999',
  '-1e999',
  'NaN',
  'Infinity',
  '0x10',
  '9'.repeat(60),
  '-99999999999',
  '[]',
];

function typesOf(s: Schema | undefined): string[] {
  if (s === undefined) return [];
  if (s.anyOf || s.oneOf) return [...(s.anyOf ?? []), ...(s.oneOf ?? [])].flatMap(typesOf);
  if (s.const !== undefined) return [typeof s.const];
  if (Array.isArray(s.type)) return s.type;
  return s.type === undefined ? [] : [s.type];
}

function enumOf(s: Schema | undefined): unknown[] | undefined {
  if (s === undefined) return undefined;
  if (s.enum) return s.enum;
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? [])];
  if (alts.length > 0 && alts.every((a) => a.const !== undefined || a.enum !== undefined)) {
    return alts.flatMap((a) => a.enum ?? [a.const]);
  }
  return undefined;
}

/** A value of the wrong JSON type for `s`. */
function wrongValues(s: Schema | undefined): unknown[] {
  const t = typesOf(s);
  const out: unknown[] = [];
  if (!t.includes('string')) out.push('not-a-number', '');
  if (!t.includes('number') && !t.includes('integer')) out.push(12345);
  if (!t.includes('object')) out.push({ nested: true });
  if (!t.includes('array')) out.push([1, 2, 3]);
  if (!t.includes('boolean') && !t.includes('string')) out.push(true);
  if (!t.includes('null')) out.push(null);
  const e = enumOf(s);
  if (e !== undefined && t.includes('string')) out.push('no-such-choice');
  if (t.includes('integer')) out.push(1.5);
  if (t.includes('integer') || t.includes('number')) out.push(1e308 * 10 === Infinity ? 1e300 : 0);
  return out;
}

/** A minimal body that satisfies the required fields' types (a starting point to break). */
function sampleValue(s: Schema | undefined): unknown {
  const e = enumOf(s);
  if (e !== undefined) return e[0];
  const alts = [...(s?.anyOf ?? []), ...(s?.oneOf ?? [])];
  if (alts.length > 0) return sampleValue(alts[0]);
  const t = typesOf(s)[0];
  if (t === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of s?.required ?? []) o[k] = sampleValue(s?.properties?.[k]);
    return o;
  }
  if (t === 'array') return [];
  if (t === 'integer' || t === 'number') return s?.minimum ?? 1;
  if (t === 'boolean') return true;
  return 'x';
}

function queryString(q: Record<string, string>): string {
  return Object.entries(q)
    .map(([k, v]) => `${encodeURIComponent(k)}=${v}`)
    .join('&');
}

/** Fill `{param}`s of a path with `value`. */
function fillPath(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

/** The corpus for a document; `bodyLimit` [bytes] sets the size of the oversize bodies. */
export function badRequests(doc: OpenApiDoc, bodyLimit: number): BadRequest[] {
  const cases: BadRequest[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const m = method.toUpperCase();
      if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(m)) continue;
      const params = op.parameters ?? [];
      const pathParams = params.filter((p) => p.in === 'path');
      const query = params.filter((p) => p.in === 'query');
      const ids = [
        'no-such-id',
        '00000000-0000-0000-0000-000000000000',
        '..%2F..%2Fetc',
        '%2e%2e',
        'x'.repeat(300),
      ];
      const base = pathParams.length > 0 ? fillPath(path, 'no-such-id') : path;
      // good values for required query params, to break one at a time
      const good: Record<string, string> = {};
      for (const q of query.filter((x) => x.required)) {
        const v = sampleValue(q.schema);
        good[q.name] = encodeURIComponent(String(v === 'x' && q.name === 'root' ? 'data0' : v));
      }
      const withQuery = (q: Record<string, string>) => {
        const s = queryString(q);
        return s === '' ? base : `${base}?${s}`;
      };
      if (pathParams.length > 0) {
        for (const id of ids) {
          cases.push({
            name: `${m} ${path} unknown id ${id.slice(0, 20)}`,
            method: m,
            url: fillPath(path, id),
          });
        }
      }
      cases.push({
        name: `${m} ${path} unknown query field`,
        method: m,
        url: withQuery({ ...good, bogusField: '1' }),
      });
      for (const q of query) {
        if (q.required) {
          const rest = { ...good };
          delete rest[q.name];
          cases.push({ name: `${m} ${path} missing ${q.name}`, method: m, url: withQuery(rest) });
        }
        const t = typesOf(q.schema);
        const values: string[] = [];
        if (t.includes('integer') || t.includes('number')) values.push(...BAD_NUMBERS);
        if (t.includes('integer')) values.push('-1', '2.5');
        if (enumOf(q.schema) !== undefined) values.push('no-such-choice', 'JSON', '');
        if (t.includes('string') && enumOf(q.schema) === undefined) values.push(...TRAVERSALS);
        if (t.includes('boolean')) values.push('maybe', '2');
        for (const v of values) {
          cases.push({
            name: `${m} ${path} ${q.name}=${v.slice(0, 30)}`,
            method: m,
            url: withQuery({ ...good, [q.name]: v }),
          });
        }
        // the same field twice
        cases.push({
          name: `${m} ${path} ${q.name} twice`,
          method: m,
          url: `${withQuery(good)}${Object.keys(good).length > 0 ? '&' : '?'}${q.name}=a&${q.name}=b`,
        });
      }
      const content = op.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      const multipart = content['multipart/form-data'] !== undefined;
      if (json !== undefined) {
        const url = withQuery(good);
        const h = { 'content-type': 'application/json' };
        const sample = sampleValue(json) as Record<string, unknown>;
        const malformed = [
          '{',
          '{"a":',
          '[1,',
          'nul',
          "{'a':1}",
          '{"a":NaN}',
          'undefined',
          '{"a":1}{"b":2}',
          '{"a":1,}',
          '\u0000',
          '{"__proto__":{"polluted":1}}',
          '{"constructor":{"prototype":{"polluted":1}}}',
          '"just a string"',
          '42',
          'null',
          '[]',
          '[{}]',
          'true',
          '',
          ' ',
          '{"a":"\\ud800"}',
        ];
        for (const p of malformed) {
          cases.push({
            name: `${m} ${path} body ${JSON.stringify(p).slice(0, 30)}`,
            method: m,
            url,
            headers: h,
            payload: p,
          });
        }
        for (const ct of [
          'text/plain',
          'application/xml',
          'application/x-www-form-urlencoded',
          'image/png',
          'application/json; charset=latin-9',
          'multipart/form-data; boundary=x',
        ]) {
          cases.push({
            name: `${m} ${path} content-type ${ct}`,
            method: m,
            url,
            headers: { 'content-type': ct },
            payload: JSON.stringify(sample),
          });
        }
        cases.push({
          name: `${m} ${path} oversize body`,
          method: m,
          url,
          headers: h,
          payload: JSON.stringify({ ...sample, pad: 'x'.repeat(bodyLimit + 10) }),
        });
        cases.push({
          name: `${m} ${path} unknown field`,
          method: m,
          url,
          headers: h,
          payload: JSON.stringify({ ...sample, bogusField: 1 }),
        });
        for (const req of json.required ?? []) {
          const rest = { ...sample };
          delete rest[req];
          cases.push({
            name: `${m} ${path} body missing ${req}`,
            method: m,
            url,
            headers: h,
            payload: JSON.stringify(rest),
          });
        }
        for (const [k, ps] of Object.entries(json.properties ?? {})) {
          for (const v of wrongValues(ps)) {
            cases.push({
              name: `${m} ${path} body ${k}=${JSON.stringify(v).slice(0, 20)}`,
              method: m,
              url,
              headers: h,
              payload: JSON.stringify({ ...sample, [k]: v }),
            });
          }
          if (typesOf(ps).includes('object')) {
            cases.push({
              name: `${m} ${path} body ${k} with an unknown field`,
              method: m,
              url,
              headers: h,
              payload: JSON.stringify({
                ...sample,
                [k]: { ...(sampleValue(ps) as object), bogusField: 1 },
              }),
            });
          }
        }
      }
      if (multipart) {
        const url = withQuery(good);
        for (const [ct, p] of [
          ['application/json', '{"file":"x"}'],
          ['text/plain', 'hello'],
          ['multipart/form-data', 'no boundary'],
          ['multipart/form-data; boundary=zz', 'garbage without parts'],
          [
            'multipart/form-data; boundary=zz',
            '--zz\r\nContent-Disposition: form-data; name="other"\r\n\r\nvalue\r\n--zz--\r\n',
          ],
          [
            'multipart/form-data; boundary=zz',
            '--zz\r\nContent-Disposition: form-data; name="wrong"; filename="a.npy"\r\n\r\nxx\r\n--zz--\r\n',
          ],
          ['multipart/form-data; boundary=zz', '--zz--\r\n'],
        ] as const) {
          cases.push({
            name: `${m} ${path} multipart ${ct} ${p.slice(0, 15)}`,
            method: m,
            url,
            headers: { 'content-type': ct },
            payload: p,
          });
        }
      }
      // a method the route does not have
      const other = m === 'GET' ? 'DELETE' : 'PUT';
      if (ops[other.toLowerCase()] === undefined) {
        cases.push({
          name: `${other} ${path} (no such method)`,
          method: other,
          url: fillPath(path, 'x'),
        });
      }
    }
  }
  for (const u of [
    '/api/nope',
    '/api/files/nope',
    '/api/../etc/passwd',
    '/api/files/%2e%2e%2fx',
    '/api/%2e%2e%2f%2e%2e%2fetc',
    '/api/files/%00',
    '/api/' + 'x'.repeat(3000),
    '/api/runs/../../x',
    '/api/uploads/nope',
  ]) {
    cases.push({ name: `unknown route ${u.slice(0, 30)}`, method: 'GET', url: u });
  }
  return cases;
}
