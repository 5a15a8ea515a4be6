/**
 * The files the corpus of bad invocations hands to commands: one good file of each kind (so
 * that a case reaches the argument it is about) and the bad ones — missing, empty, a folder,
 * garbage, truncated, oversized requests, paths no one can write, and damaged run registries,
 * datasets, checkpoints and model bundles. Everything lives in one temporary folder; the good
 * dataset is simulated once by the real `bragg simulate dataset` (the tiny sweep).
 */
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNpy } from '../../../src/formats/npy/npy.js';
import { ndarray } from '../../../src/core/ndarray.js';
import { createRng } from '../../../src/core/rng.js';
import { writeTinyMap, writeTinyPacbedConfig, writeTinySweep } from './fixtures.js';
import { runInProcess } from './in-process.js';

/** What a command's argument is, found from its name, placeholder and description. */
export type SlotKind =
  | 'cif'
  | 'sweep'
  | 'config'
  | 'array'
  | 'map'
  | 'pred'
  | 'dataset'
  | 'model'
  | 'models-root'
  | 'registry'
  | 'checkpoints'
  | 'input-dir'
  | 'output-file'
  | 'output-dir'
  | 'threads'
  | 'size'
  | 'value';

/** A bad value for a slot: what it is (for the case name) and the argument. */
export interface BadValue {
  what: string;
  value: string;
  /** Extra arguments the case needs (e.g. `--resume` with a damaged checkpoint folder). */
  extra?: string[];
}

export interface CorpusFixtures {
  dir: string;
  /** A good value for every kind that has one (model bundles have none: too slow to train). */
  good: Partial<Record<SlotKind, string>>;
  /** The bad values for each kind. */
  bad: Record<SlotKind, BadValue[]>;
  /** An output path with the extension `ext` that does not exist yet (unique per call). */
  freshOutput(ext: string): string;
}

/** Writes the fixtures into `dir` (about 5 s, most of it the tiny dataset). */
export async function makeCorpusFixtures(dir: string): Promise<CorpusFixtures> {
  const p = (...parts: string[]): string => join(dir, ...parts);
  const w = async (name: string, data: string | Uint8Array): Promise<string> => {
    await writeFile(p(name), data);
    return p(name);
  };
  const rng = createRng(15);
  const garbage = new Uint8Array(4096).map(() => Math.floor(rng.next() * 256));
  await mkdir(p('folder.npz'), { recursive: true });
  await mkdir(p('empty-dir'), { recursive: true });
  const aFile = await w('plain-file', 'not a folder\n');

  // good inputs
  const sweep = await writeTinySweep(dir);
  const config = await writeTinyPacbedConfig(dir);
  const map = await writeTinyMap(dir);
  const cif = p('au.cif'); // written by writeTinySweep
  const array = await w('small.npy', writeNpy(ndarray('float32', [3, 4], new Float32Array(12))));
  const dataset = p('dataset');
  const made = await runInProcess(['simulate', 'dataset', sweep, '-o', dataset, '--workers', '1'], {
    env: { ...process.env, BRAGG_DEBUG: '', BRAGG_RUNS_DB: p('fixtures.sqlite') },
    timeoutMs: 120_000,
  });
  if (made.code !== 0) throw new Error(`the corpus's dataset was not made: ${made.stderr}`);

  // bad inputs of every file kind
  const fileBad = (ext: string, name: string): BadValue[] => [
    { what: 'missing', value: p('missing', `${name}.${ext}`) },
    { what: 'empty', value: p(`empty-${name}.${ext}`) },
    { what: 'a folder', value: p(`folder-${name}.${ext}`) },
    { what: 'garbage', value: p(`garbage-${name}.${ext}`) },
  ];
  for (const [ext, name] of [
    ['cif', 'cif'],
    ['yaml', 'sweep'],
    ['yaml', 'config'],
    ['npy', 'array'],
    ['npz', 'map'],
    ['npz', 'pred_probability_pred'],
  ] as const) {
    await w(`empty-${name}.${ext}`, '');
    await mkdir(p(`folder-${name}.${ext}`), { recursive: true });
    await w(`garbage-${name}.${ext}`, garbage);
  }
  const sweepText = await readFile(sweep, 'utf8');
  const hugeSweep = await w(
    'huge-sweep.yaml',
    sweepText.replace(/orientations: \{[^}]*\}/, 'orientations: { count: 1000000000000 }'),
  );
  const shardsSweep = await w(
    'many-shards.yaml',
    sweepText
      .replace(/orientations: \{[^}]*\}/, 'orientations: { count: 100000000 }')
      .replace(/chunkSize: \d+/, 'chunkSize: 5'),
  );
  const brokenYaml = await w('broken.yaml', 'seeds: [1, 2\nphases: {\n');
  const notCif = await w('not-a-cif.cif', 'this is no CIF\n_cell_length_a\n');
  const npyBytes = await readFile(array);
  const truncatedNpy = await w('truncated.npy', npyBytes.subarray(0, npyBytes.length - 7));
  const mapBytes = await readFile(map);
  const truncatedMap = await w('truncated-map.npz', mapBytes.subarray(0, mapBytes.length >> 1));

  // damaged datasets
  const damagedDataset = async (name: string, damage: (root: string) => Promise<void>) => {
    const root = p(name);
    await mkdir(join(root, 'shards'), { recursive: true });
    await copyFile(join(dataset, 'manifest.json'), join(root, 'manifest.json'));
    const manifest = JSON.parse(await readFile(join(dataset, 'manifest.json'), 'utf8')) as {
      shards: { file: string }[];
    };
    for (const s of manifest.shards) await copyFile(join(dataset, s.file), join(root, s.file));
    await damage(root);
    return { root, first: manifest.shards[0]!.file };
  };
  const noManifest = await damagedDataset('ds-no-manifest', (r) =>
    writeFile(join(r, 'manifest.json'), '{"format": "bragg-phase-dataset/1", "shards": ['),
  );
  const shardGone = await damagedDataset('ds-shard-missing', async () => undefined);
  await rm(join(shardGone.root, shardGone.first));
  const shardCut = await damagedDataset('ds-shard-truncated', async () => undefined);
  const cut = await readFile(join(shardCut.root, shardCut.first));
  await writeFile(join(shardCut.root, shardCut.first), cut.subarray(0, cut.length >> 1));

  // damaged model bundles
  const bundle = async (name: string, files: Record<string, string | Uint8Array>) => {
    await mkdir(p(name), { recursive: true });
    for (const [f, data] of Object.entries(files)) await writeFile(p(name, f), data);
    return p(name);
  };
  const modelTruncated = await bundle('model-bragg-json-truncated', { 'bragg.json': '{"id": "x' });
  const modelNoWeights = await bundle('model-no-weights', {
    'bragg.json': '{}',
    'model.json': '{"modelTopology": {}, "weightsManifest": [{"paths": ["weights.bin"]}]}',
  });

  // damaged checkpoints (used with --resume)
  const ckpt = p('ckpt-damaged');
  await mkdir(join(ckpt, 'ckpt-000001-0a0b0c0d'), { recursive: true });
  await writeFile(join(ckpt, 'ckpt-000001-0a0b0c0d', 'manifest.json'), '{"files": [');
  await writeFile(join(ckpt, 'ckpt-000001-0a0b0c0d', 'trainer.json'), '');
  await symlink('ckpt-000001-0a0b0c0d', join(ckpt, 'last'));
  const ckptDangling = p('ckpt-dangling');
  await mkdir(ckptDangling, { recursive: true });
  await symlink('ckpt-000009-deadbeef', join(ckptDangling, 'last'));

  // damaged run registries
  const sqliteHeader = new TextEncoder().encode('SQLite format 3\0');
  const truncatedDb = new Uint8Array(512);
  truncatedDb.set(sqliteHeader, 0);
  truncatedDb.set(garbage.subarray(0, 400), 100);
  const registryBad: BadValue[] = [
    { what: 'a folder', value: p('empty-dir') },
    { what: 'garbage', value: await w('garbage.sqlite', garbage) },
    { what: 'a truncated database', value: await w('truncated.sqlite', truncatedDb) },
    { what: 'under a file', value: join(aFile, 'runs.sqlite') },
  ];

  // outputs nobody can write (root ignores permission bits: a path under a file, /sys; not
  // /proc, where Node 20's recursive mkdir never returns)
  const outFileBad = (ext: string): BadValue[] => [
    { what: 'under a file', value: join(aFile, 'sub', `out.${ext}`) },
    { what: 'unwritable', value: `/sys/bragg-corpus/out.${ext}` },
    { what: 'onto a folder', value: p('folder.npz') },
  ];
  let outputs = 0;
  const bad: Record<SlotKind, BadValue[]> = {
    cif: [...fileBad('cif', 'cif'), { what: 'not a CIF', value: notCif }],
    sweep: [
      ...fileBad('yaml', 'sweep'),
      { what: 'broken YAML', value: brokenYaml },
      { what: 'oversized (1e12 patterns)', value: hugeSweep },
      { what: 'oversized (2.4e8 shards)', value: shardsSweep },
    ],
    config: [...fileBad('yaml', 'config'), { what: 'broken YAML', value: brokenYaml }],
    array: [...fileBad('npy', 'array'), { what: 'truncated', value: truncatedNpy }],
    map: [...fileBad('npz', 'map'), { what: 'truncated', value: truncatedMap }],
    pred: fileBad('npz', 'pred_probability_pred'),
    dataset: [
      { what: 'missing', value: p('missing', 'dataset') },
      { what: 'empty folder', value: p('empty-dir') },
      { what: 'a file', value: aFile },
      { what: 'truncated manifest', value: noManifest.root },
      { what: 'a shard missing', value: shardGone.root },
      { what: 'a shard truncated', value: shardCut.root },
    ],
    model: [
      { what: 'missing', value: p('missing', 'model') },
      { what: 'empty folder', value: p('empty-dir') },
      { what: 'a file', value: aFile },
      { what: 'truncated bragg.json', value: modelTruncated },
      { what: 'no weights', value: modelNoWeights },
    ],
    // a folder of models that does not exist yet is an empty one; a file is not a folder
    'models-root': [{ what: 'a file', value: aFile }],
    registry: registryBad,
    checkpoints: [
      { what: 'under a file', value: join(aFile, 'ckpt') },
      { what: 'a file', value: aFile },
      { what: 'damaged, resumed', value: ckpt, extra: ['--resume'] },
      { what: 'dangling last, resumed', value: ckptDangling, extra: ['--resume'] },
    ],
    'input-dir': [
      { what: 'missing', value: p('missing', 'dir') },
      { what: 'a file', value: aFile },
    ],
    'output-file': outFileBad('npz'),
    'output-dir': [
      { what: 'under a file', value: join(aFile, 'sub', 'out') },
      { what: 'unwritable', value: '/sys/bragg-corpus/out' },
      { what: 'a file', value: aFile },
    ],
    threads: [{ what: 'oversized (100000)', value: '100000' }],
    size: [{ what: 'oversized (1e12)', value: '1000000000000' }],
    value: [],
  };
  return {
    dir,
    good: {
      cif,
      sweep,
      config,
      array,
      map,
      dataset,
      registry: p('corpus.sqlite'),
      'input-dir': dir,
      'models-root': p('models'),
      checkpoints: p('ckpt-fresh'),
    },
    bad,
    freshOutput: (ext) => p('outputs', `out-${++outputs}${ext ? `.${ext}` : ''}`),
  };
}
