/**
 * YAML config files checked by a zod schema, with errors that name the key and its line:
 * `ValidationError("<message> (<file>:<line>)", "<key.path[0]>")`, for any schema (sweeps,
 * PACBED dataset configs).
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { ZodIssue, ZodType, ZodTypeDef } from 'zod';
import { ValidationError } from './errors.js';

/** Parse YAML `text` and validate it with `schema`; `file` is used in messages only. */
export function parseYamlConfig<T>(
  text: string,
  schema: ZodType<T, ZodTypeDef, unknown>,
  file = 'config.yaml',
): T {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new ValidationError(
      `${file}:${line}:${col}: invalid YAML: ${first.message.split('\n')[0]}`,
      undefined,
    );
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues;
  throw issueError(issues[0]!, doc, lineCounter, file, issues.length);
}

function issueError(
  issue: ZodIssue,
  doc: Document,
  lc: LineCounter,
  file: string,
  total: number,
): ValidationError {
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
  const key = path.length === 0 ? '(root)' : formatKeyPath(path);
  const line = lineOf(doc, lc, path);
  const more = total > 1 ? ` (and ${total - 1} more problem${total > 2 ? 's' : ''})` : '';
  const msg =
    issue.code === 'unrecognized_keys'
      ? `unknown key '${issue.keys.join("', '")}'`
      : issue.code === 'invalid_type' && issue.received === 'undefined'
        ? `required key is missing (${issue.expected})`
        : issue.message;
  return new ValidationError(`${msg} (${file}:${line})${more}`, key);
}

/** `a.b[2].c` from a zod path. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

/** Line of the deepest node along `path` that exists (a missing key → its parent's line). */
function lineOf(doc: Document, lc: LineCounter, path: readonly (string | number)[]): number {
  for (let k = path.length; k >= 0; k--) {
    const sub = path.slice(0, k);
    const node = keyNode(doc, sub) ?? (doc.getIn(sub, true) as Node | undefined);
    const start = node?.range?.[0];
    if (start !== undefined) return lc.linePos(start).line;
  }
  return 1;
}

function keyNode(doc: Document, path: readonly (string | number)[]): Node | undefined {
  if (path.length === 0) return undefined;
  const parent = doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (!isMap(parent)) return undefined;
  for (const item of parent.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === last) return item.key;
  }
  return undefined;
}
