/**
 * The upload area: each uploaded file is `<dir>/<id>/<name>` (the client's name, sanitised, so
 * readers that go by extension still find the format) with its record in `<dir>/<id>.json`.
 * A file is streamed to a temporary name in its folder and renamed when complete, and the
 * record is written (temporary + rename) only after that, so a listed upload is always whole.
 * Ids are random UUIDs; anything else asked for is unknown (404).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BraggError, NotFoundError } from '../core/errors.js';
import { structureFormats } from '../crystal/cif-format.js';
import type { UploadRecord } from '../workflows/route.js';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Longest stored file name (characters; the extension is kept). */
const MAX_NAME = 120;

/** A client's file name made safe to store: base name only, no control or odd characters. */
export function sanitizeName(raw: string): string {
  const base = raw.split(/[/\\]/).at(-1) ?? '';
  let s = base
    .normalize('NFKC')
    .replace(/[^A-Za-z0-9._+()\- ]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  if (s.length > MAX_NAME) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 12 ? s.slice(dot) : '';
    s = s.slice(0, MAX_NAME - ext.length) + ext;
  }
  return s === '' ? 'upload' : s;
}

export function isUploadId(id: string): boolean {
  return ID.test(id);
}

/** The format bragg recognises for a file (magic bytes, else extension), if any. */
async function formatOf(path: string): Promise<string | undefined> {
  try {
    return (await structureFormats.readerFor(path)).id;
  } catch {
    return undefined;
  }
}

function isRecord(x: unknown): x is UploadRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    isUploadId(r.id) &&
    typeof r.name === 'string' &&
    typeof r.size === 'number' &&
    typeof r.created === 'string' &&
    (r.format === undefined || typeof r.format === 'string')
  );
}

export class UploadStore {
  private constructor(readonly dir: string) {}

  /** The store in `dir` (created when missing). */
  static async open(dir: string): Promise<UploadStore> {
    await mkdir(dir, { recursive: true });
    return new UploadStore(dir);
  }

  /**
   * Stores a stream as a new upload. `tooLarge()` is asked after the stream ended (the multipart
   * plugin cuts a file at its limit and says so); then nothing is kept and a LIMIT error thrown.
   */
  async save(
    stream: Readable,
    clientName: string,
    tooLarge: () => boolean = () => false,
    limit?: number,
  ): Promise<UploadRecord> {
    const id = randomUUID();
    const name = sanitizeName(clientName);
    const folder = join(this.dir, id);
    await mkdir(folder);
    const temp = join(folder, `.partial-${process.pid}`);
    try {
      await pipeline(stream, createWriteStream(temp, { flags: 'wx' }));
      if (tooLarge()) {
        throw new BraggError(
          'LIMIT',
          `upload ${name} is larger than the ${limit ?? 'configured'} bytes this server accepts`,
        );
      }
      await rename(temp, join(folder, name));
      return await this.record(id, name);
    } catch (err) {
      await rm(folder, { recursive: true, force: true });
      throw err;
    }
  }

  /** Stores bytes a route made (a prediction file) as a new upload. */
  async saveBytes(clientName: string, bytes: Uint8Array): Promise<UploadRecord> {
    const id = randomUUID();
    const name = sanitizeName(clientName);
    const folder = join(this.dir, id);
    await mkdir(folder);
    try {
      const temp = join(folder, `.partial-${process.pid}`);
      await writeFile(temp, bytes, { flag: 'wx' });
      await rename(temp, join(folder, name));
      return await this.record(id, name);
    } catch (err) {
      await rm(folder, { recursive: true, force: true });
      throw err;
    }
  }

  private async record(id: string, name: string): Promise<UploadRecord> {
    const path = join(this.dir, id, name);
    const size = (await stat(path)).size;
    const format = await formatOf(path);
    const rec: UploadRecord = {
      id,
      name,
      size,
      ...(format === undefined ? {} : { format }),
      created: new Date().toISOString(),
    };
    const temp = join(this.dir, `.${id}.json.partial`);
    await writeFile(temp, `${JSON.stringify(rec)}\n`);
    await rename(temp, join(this.dir, `${id}.json`));
    return rec;
  }

  /** The record of `id`; `NotFoundError` for an unknown or malformed id. */
  async get(id: string): Promise<UploadRecord> {
    const unknown = () =>
      new NotFoundError(`no upload with id '${id.slice(0, 80)}'`, {
        what: 'upload',
        resource: id.slice(0, 80),
      });
    if (!isUploadId(id)) throw unknown();
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8'));
    } catch {
      throw unknown();
    }
    if (!isRecord(parsed) || parsed.id !== id) throw unknown();
    return parsed;
  }

  /** The absolute path of upload `id`'s file. */
  async path(id: string): Promise<string> {
    const rec = await this.get(id);
    return join(this.dir, id, sanitizeName(rec.name));
  }

  /** Every upload, newest first (records that cannot be read are left out). */
  async list(): Promise<UploadRecord[]> {
    const names = await readdir(this.dir);
    const out: UploadRecord[] = [];
    for (const n of names) {
      if (!n.endsWith('.json') || !isUploadId(n.slice(0, -5))) continue;
      try {
        out.push(await this.get(n.slice(0, -5)));
      } catch {
        // a record removed meanwhile or damaged: not listed
      }
    }
    return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  }
}
