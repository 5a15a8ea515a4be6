/**
 * The corpus of bad invocations, generated from the commander program itself: every leaf
 * command of `bragg` (the platform's and every workflow's, including ones added later) with its
 * positional arguments and options. Each argument is given a kind by conventions on its name,
 * placeholder and description (`<cif>`, `<sweep>`, `<file>`, `-o/--output`, `--data`, `--model`,
 * `--db`, `--checkpoint-dir`, `--threads`, …); a case replaces one argument by a bad value of
 * its kind (see `corpus-fixtures.ts`) and gives every other required argument a good one, so
 * that the case reaches the argument it is about.
 */
import type { Argument, Command, Option } from 'commander';
import type { BadValue, CorpusFixtures, SlotKind } from './corpus-fixtures.js';

/** One argument of a command: a positional one or an option. */
export interface Slot {
  /** `<cif>` or `--output`. */
  label: string;
  kind: SlotKind;
  required: boolean;
  /** Positional index, or undefined for an option. */
  position?: number;
  /** The option's flag (long, else short). */
  flag?: string;
  /** The extension an output of this slot wants (from its placeholder or description). */
  ext: string;
  variadic: boolean;
}

export interface CommandSpec {
  /** `['simulate', 'dataset']`. */
  path: string[];
  slots: Slot[];
}

export interface CorpusCase {
  name: string;
  args: string[];
  /** Paths and flags a clean message may name (any one of them). */
  names: string[];
  /** The fixtures' folder (a message naming only it or what is above names nothing). */
  root: string;
}

/** Every leaf command of `program` (a command without subcommands). */
export function leafCommands(program: Command): CommandSpec[] {
  const out: CommandSpec[] = [];
  const walk = (c: Command, path: string[]): void => {
    if (c.commands.length === 0) {
      if (path.length > 0) out.push(specOf(c, path));
      return;
    }
    for (const s of c.commands) walk(s, [...path, s.name()]);
  };
  walk(program, []);
  return out;
}

const OUTPUT_EXT = /\.(npz|npy|png|tiff?|h5|hdf5|json|csv|sqlite)\b/i;

function specOf(c: Command, path: string[]): CommandSpec {
  const slots: Slot[] = [];
  c.registeredArguments.forEach((a: Argument, i) => {
    const name = a.name();
    slots.push({
      label: `<${name}>`,
      kind: argumentKind(name, a.description, path),
      required: a.required,
      position: i,
      ext: extOf(`${name} ${a.description}`),
      variadic: a.variadic,
    });
  });
  for (const o of c.options) {
    const kind = optionKind(o, path);
    if (kind === undefined) continue;
    const flag = o.long ?? o.short ?? o.flags;
    slots.push({
      label: flag,
      kind,
      required: o.mandatory && o.defaultValue === undefined,
      flag,
      ext: extOf(`${o.flags} ${o.description}`),
      variadic: o.variadic,
    });
  }
  return { path, slots };
}

function extOf(text: string): string {
  return OUTPUT_EXT.exec(text)?.[1]?.toLowerCase() ?? 'npz';
}

/** The kind of a positional argument, by its name (and the command it belongs to). */
export function argumentKind(name: string, description: string, path: string[]): SlotKind {
  const n = name.toLowerCase();
  if (n === 'cif') return 'cif';
  if (n === 'sweep') return 'sweep';
  if (n === 'config') return 'config';
  if (n.includes('map')) return 'map';
  if (n === 'out' || n === 'output' || n === 'dest') return 'output-file';
  if (n === 'dir' || n.includes('model') || /model (bundle|folder)/i.test(description)) {
    return path[0] === 'model' || /model/i.test(description) ? 'model' : 'input-dir';
  }
  if (/^(id|name|url|key|target)$/.test(n)) return 'value';
  // anything else a command reads: a file (`<file>`, `<in>`, `<inputs...>`, `<pattern>`, `<scan>`)
  return 'array';
}

/** The kind of an option, or undefined for one the corpus does not vary. */
export function optionKind(o: Option, path: string[]): SlotKind | undefined {
  const long = o.long ?? '';
  const placeholder = /<([^>]*)>|\[([^\]]*)\]/.exec(o.flags)?.slice(1).find(Boolean) ?? '';
  if (o.isBoolean() || (o.negate ?? false)) return undefined;
  if (['--threads', '--workers', '--concurrency'].includes(long)) return 'threads';
  if (long === '--db') return 'registry';
  if (long === '--checkpoint-dir') return 'checkpoints';
  if (long === '--model') return /dir/.test(placeholder) ? 'model' : undefined;
  if (long === '--models') return 'models-root';
  if (long === '--pred') return 'pred';
  if (long === '--data') return path.includes('train') ? 'dataset' : 'input-dir';
  if (long === '--table') return 'array';
  if (long === '--cif') return 'cif';
  if (long === '--output' || o.short === '-o' || long === '--png' || long === '--uploads') {
    return /dir/i.test(placeholder) || long === '--uploads' ? 'output-dir' : 'output-file';
  }
  if (/(^|-)dir$/.test(long.slice(2)) || /^dir\b/.test(placeholder)) return 'input-dir';
  if (/^file\b|\.(csv|npy|npz|h5|hdf5|json|yaml|tiff?|dm[34])$/.test(placeholder)) return 'array';
  const sizes = ['--size', '--random', '--count', '--n', '--scan', '--frames', '--scans'];
  if (sizes.includes(long) && /^(n|px|points)$/.test(placeholder)) return 'size';
  if (o.mandatory && o.defaultValue === undefined) return 'value';
  return undefined;
}

/** A good value for a required value option, by its name. */
function goodValue(flag: string | undefined): string {
  switch (flag) {
    case '--kv':
      return '200';
    case '--conv-angle':
      return '20';
    case '--thickness':
      return '10';
    case '--redis':
      return 'not-a-redis-url';
    case '--zone':
      return '0,0,1';
    default:
      return '1';
  }
}

function goodFor(slot: Slot, fx: CorpusFixtures): string {
  if (slot.kind === 'output-file') return fx.freshOutput(slot.ext);
  if (slot.kind === 'output-dir') return fx.freshOutput('');
  if (slot.kind === 'value' || slot.kind === 'threads' || slot.kind === 'size') {
    return goodValue(slot.flag);
  }
  // no good one (a model bundle): a path that is not there; the case still must fail cleanly
  return fx.good[slot.kind] ?? `${fx.dir}/absent-${slot.kind}`;
}

/** The cases of one command: each bad value of each slot, the other required slots good. */
export function casesFor(spec: CommandSpec, fx: CorpusFixtures): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const target of spec.slots) {
    for (const bad of fx.bad[target.kind]) cases.push(build(spec, target, bad, fx));
  }
  return cases;
}

function build(spec: CommandSpec, target: Slot, bad: BadValue, fx: CorpusFixtures): CorpusCase {
  const positional: string[] = [];
  const options: string[] = [];
  const names: string[] = [];
  for (const slot of spec.slots) {
    // outputs and the run registry are always given (nothing is written outside the fixtures)
    const always = ['output-file', 'output-dir', 'registry', 'checkpoints'].includes(slot.kind);
    const value =
      slot === target ? bad.value : slot.required || always ? goodFor(slot, fx) : undefined;
    if (value === undefined) continue;
    if (slot.kind !== 'value') names.push(value);
    if (slot.flag !== undefined) {
      options.push(slot.flag, value);
      names.push(slot.flag);
    } else positional[slot.position!] = value;
  }
  return {
    name: `${spec.path.join(' ')} ${target.label}: ${bad.what}`,
    args: [
      ...spec.path,
      ...positional.filter((x) => x !== undefined),
      ...options,
      ...(bad.extra ?? []),
    ],
    names,
    root: fx.dir,
  };
}

/** Lines of stderr a user reads (progress bars and blank lines left out). */
function messageLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * What is wrong with a case's outcome (empty when it failed cleanly): exit status 1 (a bragg
 * error) or 2 (a usage error from commander), one message line `bragg: …` (or commander's
 * `error: …`), no internal error, no stack trace or library source, and the message names one
 * of the case's paths or flags (or, for a usage error, the argument).
 */
export function judge(
  c: CorpusCase,
  r: { code: number | undefined; stderr: string; hung: boolean },
  problems: (stderr: string) => string[],
): string[] {
  const out: string[] = [];
  if (r.hung) out.push('did not fail within its time limit (it started work?)');
  if (r.code === 0) out.push('exit status 0');
  else if (r.code !== 1 && r.code !== 2) out.push(`exit status ${String(r.code)}`);
  out.push(...problems(r.stderr));
  const lines = messageLines(r.stderr).filter((l) => /^(bragg|error):/.test(l));
  if (lines.length !== 1) out.push(`${lines.length} message lines, expected 1`);
  const line = lines[0] ?? '';
  if (/internal error/.test(line)) out.push(`an internal error: ${line}`);
  if (line.startsWith('bragg:')) {
    // a path or flag of the case, or a field in domain terms (`bragg: orientations.count: …`)
    const field = /^bragg: (--)?[A-Za-z][\w-]*([.[][\w\]]*)*: /.test(line);
    const named = field || c.names.some((n) => namesPath(line, n, c.root));
    if (!named) out.push(`the message names none of ${c.names.join(', ')}`);
  }
  return out.map((p) => `${p}\n    stderr: ${r.stderr.trim().slice(0, 400)}`);
}

function basename(p: string): string {
  return p.split('/').filter(Boolean).at(-1) ?? p;
}

/**
 * Whether `line` names `path`: the path, its last part, or a folder on the way to it that is
 * below `root` or outside it (`cannot mkdir /sys/x` for `/sys/x/out`; not `/tmp`).
 */
function namesPath(line: string, path: string, root: string): boolean {
  if (line.includes(path) || line.includes(basename(path))) return true;
  if (!path.startsWith('/')) return false;
  const parts = path.split('/').filter(Boolean);
  for (let i = parts.length - 1; i >= 2; i--) {
    const up = `/${parts.slice(0, i).join('/')}`;
    if (root.startsWith(up)) break;
    if (line.includes(up)) return true;
  }
  return false;
}
