/**
 * What a test reads from a `bragg` child's output: its stdout as JSON (one document, or JSON
 * lines), and whether stderr shows what a user must never see — a stack trace or the source of
 * a library (Node prints the offending source line of an uncaught error, e.g. 56 KB of minified
 * tfjs-backend-wasm glue).
 */

/** How stdout parsed: one JSON document, or JSON lines (every non-empty line a document). */
export type ParsedJson =
  | { kind: 'document'; value: unknown }
  | { kind: 'lines'; values: unknown[] }
  | { kind: 'invalid'; error: string };

export function parseJsonOutput(text: string): ParsedJson {
  try {
    return { kind: 'document', value: JSON.parse(text) as unknown };
  } catch {
    // not one document: JSON lines, or nothing
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return { kind: 'invalid', error: 'no output' };
  const values: unknown[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      values.push(JSON.parse(line) as unknown);
    } catch (err) {
      const shown = line.length > 80 ? `${line.slice(0, 80)}…` : line;
      return {
        kind: 'invalid',
        error: `neither one JSON document nor JSON lines: line ${i + 1} (${shown}): ${(err as Error).message}`,
      };
    }
  }
  return { kind: 'lines', values };
}

/** Lines of stderr that are a stack trace or library source (empty when stderr is clean). */
export function stderrProblems(stderr: string): string[] {
  const problems: string[] = [];
  for (const line of stderr.split('\n')) {
    if (/^\s+at /.test(line)) problems.push(`stack trace: ${line.trim()}`);
    else if (/node_modules|wasm-out|GROWABLE_HEAP|^Node\.js v/.test(line)) {
      problems.push(`source or runtime dump: ${line.slice(0, 120)}`);
    } else if (line.length > 2000) problems.push(`a line of ${line.length} characters`);
  }
  return problems;
}
