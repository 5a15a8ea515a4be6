import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BraggError,
  ERROR_CODES,
  FormatError,
  NotFoundError,
  UnsupportedError,
  ValidationError,
  errorClass,
  errorFromData,
  errorToData,
  isErrorCode,
  isErrorData,
  registerErrorClass,
} from './errors.js';
import type { ErrorCode, ErrorData, ErrorFields } from './errors.js';

/** A constructor call as data: what the worker thread replays. */
interface Spec {
  cls: 'BraggError' | 'FormatError' | 'ValidationError' | 'NotFoundError' | 'UnsupportedError';
  args: unknown[];
  /** Thrown as the cause of a ValidationError. */
  wrap?: boolean;
}

const CLASSES = { BraggError, FormatError, ValidationError, NotFoundError, UnsupportedError };

function build(s: Spec): BraggError {
  const C = CLASSES[s.cls] as unknown as new (...a: unknown[]) => BraggError;
  return new C(...s.args);
}

/** One or more of every class, with every field set and with none. */
const SPECS: Spec[] = [
  { cls: 'BraggError', args: ['INTERNAL', 'HDF5 worker answered open to create'] },
  { cls: 'BraggError', args: ['WORKER', 'multislice worker crashed'] },
  { cls: 'BraggError', args: ['INTERRUPTED', 'interrupted; run the same command again'] },
  { cls: 'BraggError', args: ['FAILED', '2 shard(s) failed', { permanent: false }] },
  { cls: 'FormatError', args: ['NPY', 'truncated header'] },
  {
    cls: 'FormatError',
    args: [
      'DM4',
      'tag group too large',
      { file: 'a.dm4', offset: 1234, path: 'ImageList/1', expected: '≤ 10 tags', found: '2^31' },
    ],
  },
  { cls: 'ValidationError', args: ['must be a positive integer, got 0', 'width'] },
  { cls: 'ValidationError', args: ['no phases given'] },
  { cls: 'ValidationError', args: ['not a CIF', 'phases[0].cif'] },
  { cls: 'NotFoundError', args: ['no model in models/x'] },
  { cls: 'NotFoundError', args: ['no run abc', { what: 'run', resource: 'abc' }] },
  { cls: 'UnsupportedError', args: ['pickled arrays are refused', { feature: 'pickle' }] },
  { cls: 'UnsupportedError', args: ['TIFF compression 7'] },
];

/** Same class, code, message, permanence and fields (and the same for every cause). */
function expectSame(got: unknown, want: BraggError): void {
  expect(got).toBeInstanceOf(want.constructor);
  const g = got as BraggError;
  expect(g.constructor).toBe(want.constructor);
  expect(g.name).toBe(want.name);
  expect(g.code).toBe(want.code);
  expect(g.message).toBe(want.message);
  expect(g.permanent).toBe(want.permanent);
  expect(g.fields()).toEqual(want.fields());
  for (const k of Object.keys(want.fields())) {
    expect((g as unknown as Record<string, unknown>)[k]).toEqual(
      (want as unknown as Record<string, unknown>)[k],
    );
  }
  if (want.cause instanceof BraggError) expectSame(g.cause, want.cause);
}

const viaClone = (d: ErrorData): unknown => structuredClone(d);
const viaJson = (d: ErrorData): unknown => JSON.parse(JSON.stringify(d));

describe('error codes and classes', () => {
  it('every class has its stable code, and permanence follows the code', () => {
    expect(new FormatError('NPY', 'x').code).toBe('FORMAT');
    expect(new ValidationError('x', 'width').code).toBe('VALIDATION');
    expect(new NotFoundError('x').code).toBe('NOT_FOUND');
    expect(new UnsupportedError('x').code).toBe('UNSUPPORTED');
    expect(new ValidationError('x').permanent).toBe(true);
    expect(new BraggError('WORKER', 'x').permanent).toBe(false);
    expect(new BraggError('INTERNAL', 'x').permanent).toBe(true);
    expect(new BraggError('FAILED', 'x', { permanent: false }).permanent).toBe(false);
    for (const c of ERROR_CODES) expect(isErrorCode(c)).toBe(true);
    expect(isErrorCode('ERROR')).toBe(false);
  });

  it('keeps the existing constructor signatures and messages', () => {
    const cause = new Error('low');
    const f = new FormatError('NPY', 'bad magic', { file: 'a.npy', offset: 0, cause });
    expect(f.message).toBe('NPY: bad magic (a.npy, byte offset 0)');
    expect(f.cause).toBe(cause);
    expect([f.format, f.reason, f.file, f.offset]).toEqual(['NPY', 'bad magic', 'a.npy', 0]);
    const v = new ValidationError('must be > 0', 'kernelSize', { cause });
    expect([v.message, v.field, v.reason, v.cause]).toEqual([
      'kernelSize: must be > 0',
      'kernelSize',
      'must be > 0',
      cause,
    ]);
    expect(new NotFoundError('gone', { cause }).cause).toBe(cause);
    expect(new UnsupportedError('no', { cause }).cause).toBe(cause);
    expect(new BraggError('IO', 'cannot read', { cause }).cause).toBe(cause);
  });
});

describe('errorToData / errorFromData', () => {
  for (const [how, trip] of [
    ['structuredClone', viaClone],
    ['JSON', viaJson],
  ] as const) {
    it(`rebuilds every class through ${how}`, () => {
      for (const s of SPECS) {
        const err = build(s);
        const data = trip(errorToData(err));
        expect(isErrorData(data)).toBe(true);
        expectSame(errorFromData(data), err);
      }
    });
  }

  it('keeps a chain of causes, bragg or not', () => {
    const inner = new FormatError('CIF', 'no cell', { file: 'bad.cif', path: '_cell_length_a' });
    const outer = new ValidationError('phase au: not readable', 'phases[1].cif', { cause: inner });
    const data = viaJson(errorToData(outer)) as ErrorData;
    expect(data.cause?.name).toBe('FormatError');
    const back = errorFromData(data);
    expectSame(back, outer);
    expect(back.cause).toBeInstanceOf(FormatError);
    const sys = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    const io = errorFromData(viaJson(errorToData(new BraggError('IO', 'x', { cause: sys }))));
    expect((io.cause as BraggError).message).toBe('ENOENT: no such file');
  });

  it('turns foreign errors into INTERNAL BraggErrors that keep name and message', () => {
    const t = errorFromData(viaJson(errorToData(new TypeError('x is not a function'))));
    expect(t).toBeInstanceOf(BraggError);
    expect([t.name, t.code, t.message, t.permanent]).toEqual([
      'TypeError',
      'INTERNAL',
      'x is not a function',
      false,
    ]);
    const s = errorToData('a thrown string');
    expect([s.name, s.code, s.message]).toEqual(['Error', 'INTERNAL', 'a thrown string']);
    const unknownClass = errorFromData({
      name: 'ShardError',
      code: 'WORKER',
      message: 'lost',
      fields: {},
      permanent: false,
    });
    expect([unknownClass.constructor, unknownClass.name, unknownClass.code]).toEqual([
      BraggError,
      'ShardError',
      'WORKER',
    ]);
  });

  it('keeps the stack only when asked', () => {
    const err = new ValidationError('x', 'width');
    expect(errorToData(err).stack).toBeUndefined();
    const data = errorToData(err, { stack: true });
    expect(data.stack).toBe(err.stack);
    expect(errorFromData(viaJson(data)).stack).toBe(err.stack);
  });

  it('rebuilds a subclass that registered itself as that subclass', () => {
    class ShapeError extends ValidationError {
      readonly shape: string;
      constructor(message: string, shape: string) {
        super(message, 'data');
        this.shape = shape;
      }
      override fields(): ErrorFields {
        return { ...super.fields(), shape: this.shape };
      }
      static override fromFields(message: string, f: ErrorFields): ShapeError {
        const reason = message.replace(/^data: /, '');
        return new ShapeError(reason, typeof f.shape === 'string' ? f.shape : '');
      }
    }
    expect(errorFromData(errorToData(new ShapeError('rank 2', '[3,4]')))).not.toBeInstanceOf(
      ShapeError,
    );
    registerErrorClass(ShapeError);
    registerErrorClass(ShapeError); // again: a no-op
    expect(errorClass('ShapeError')).toBe(ShapeError);
    const err = new ShapeError('expected rank 3, got 2', '[3,4]');
    const back = errorFromData(viaJson(errorToData(err)));
    expectSame(back, err);
    expect(back).toBeInstanceOf(ValidationError);
    // another class under a taken name is refused
    const Other = class ShapeError extends BraggError {};
    expect(() => registerErrorClass(Other)).toThrow(/another error class/);
  });

  it('gives a BraggError, never throws, on garbage', () => {
    for (const bad of [null, 3, 'x', [], {}, { name: 1, message: 'm' }, { message: 2 }]) {
      const e = errorFromData(bad);
      expect(e).toBeInstanceOf(BraggError);
      expect(e.code).toBe('PROTOCOL');
    }
    // wrong field types are dropped, a bad code becomes INTERNAL
    const f = errorFromData({ name: 'FormatError', message: 'm', fields: { offset: 'x' } });
    expect(f).toBeInstanceOf(FormatError);
    expect((f as FormatError).offset).toBeUndefined();
    expect(errorFromData({ name: 'BraggError', code: 'NOPE', message: 'm' }).code).toBe('INTERNAL');
    // a deep chain of causes is cut, not a stack overflow
    let deep: unknown = { name: 'Error', code: 'INTERNAL', message: 'root' };
    for (let i = 0; i < 10_000; i++) deep = { name: 'Error', message: `${i}`, cause: deep };
    expect(errorFromData(deep)).toBeInstanceOf(BraggError);
    fc.assert(
      fc.property(fc.anything(), (x) => {
        expect(errorFromData(x)).toBeInstanceOf(BraggError);
        expect(errorFromData({ name: 'FormatError', message: 'm', fields: x })).toBeInstanceOf(
          FormatError,
        );
      }),
    );
  });

  it('round-trips random field values of every class (property)', () => {
    const text = fc.string({ maxLength: 40 });
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const formatErr = fc
      .record({
        format: text,
        what: text,
        file: opt(text),
        offset: opt(fc.nat()),
        path: opt(text),
        expected: opt(text),
        found: opt(text),
      })
      .map(({ format, what, ...d }) => new FormatError(format, what, strip(d)));
    const validation = fc.tuple(text, opt(text)).map(([m, field]) => new ValidationError(m, field));
    const notFound = fc
      .record({ m: text, what: opt(text), resource: opt(text) })
      .map(({ m, ...o }) => new NotFoundError(m, strip(o)));
    const unsupported = fc
      .tuple(text, opt(text))
      .map(([m, feature]) => new UnsupportedError(m, feature === undefined ? {} : { feature }));
    const bragg = fc
      .tuple(fc.constantFrom<ErrorCode>(...ERROR_CODES), text, opt(fc.boolean()))
      .map(
        ([c, m, permanent]) => new BraggError(c, m, permanent === undefined ? {} : { permanent }),
      );
    const any = fc.oneof(formatErr, validation, notFound, unsupported, bragg);
    fc.assert(
      fc.property(any, opt(any), (err, cause) => {
        if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause });
        expectSame(errorFromData(viaJson(errorToData(err))), err);
        expectSame(errorFromData(viaClone(errorToData(err))), err);
      }),
    );
  });
});

function strip<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

describe('errors across a worker thread', () => {
  // The worker runs this module compiled to plain JS (a thread cannot load TypeScript): its
  // classes are other objects than this side's, as in a real pool thread.
  let dir = '';
  let moduleUrl = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bragg-errors-'));
    const src = readFileSync(fileURLToPath(new URL('./errors.ts', import.meta.url)), 'utf8');
    const js = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const file = join(dir, 'errors.mjs');
    writeFileSync(file, js);
    moduleUrl = pathToFileURL(file).href;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const script = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.moduleUrl).then((m) => {
      const out = workerData.specs.map((s) => {
        try {
          const err = new m[s.cls](...s.args);
          throw s.wrap ? new m.ValidationError('wrapped', 'frame', { cause: err }) : err;
        } catch (e) {
          return m.errorToData(e);
        }
      });
      out.push(m.errorToData(new RangeError('worker bug')));
      parentPort.postMessage(out);
    });
  `;

  it('rebuilds every class thrown in a worker as the same class', async () => {
    const specs = [...SPECS, ...SPECS.map((s) => ({ ...s, wrap: true }))];
    const worker = new Worker(script, { eval: true, workerData: { moduleUrl, specs } });
    const datas = await new Promise<unknown[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(datas).toHaveLength(specs.length + 1);
    specs.forEach((s, i) => {
      const want = build(s);
      const expected = s.wrap ? new ValidationError('wrapped', 'frame', { cause: want }) : want;
      expectSame(errorFromData(datas[i]), expected);
    });
    const foreign = errorFromData(datas[specs.length]);
    expect([foreign.name, foreign.code, foreign.message]).toEqual([
      'RangeError',
      'INTERNAL',
      'worker bug',
    ]);
  });
});
