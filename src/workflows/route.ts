/**
 * The route contract: a workflow's Web API routes are a module that adds itself to the Fastify
 * app of `bragg serve`, as its CLI commands add themselves to the commander program. Routes get
 * what the server provides (safe file resolution, uploads, executors, the run registry, the
 * bounded queue for CPU-heavy work) through a `RouteContext`, never by importing the server.
 *
 * A route module registers its routes under `/api/<workflow>/…` with JSON schemas for the
 * request, the response and the errors (`errorResponses`), so `/openapi.json` documents them
 * and Fastify validates requests by the same schemas. A route throws bragg's typed errors
 * (`ValidationError` with the request field, `NotFoundError`, …); the server turns them into
 * `{"error": {"code", "message", "field"}}` with a 4xx status.
 */
import type { FastifyInstance } from 'fastify';
import type { CommandContext } from './command.js';

/** A file a request names: a path relative to one of the server's roots (`GET /api/roots`). */
export interface FileRef {
  /** Root id: `data0`, `data1`, … for the `--data` roots, `uploads` for uploaded files. */
  readonly root: string;
  /** Path inside the root, `/`-separated, no `..`. */
  readonly path: string;
}

/** One file stored in the upload area. */
export interface UploadRecord {
  /** Opaque id (also the path of the file in the `uploads` root). */
  readonly id: string;
  /** The client's file name (sanitised). */
  readonly name: string;
  readonly size: number;
  /** Format bragg recognised from the bytes, if any (`npz`, `dm4`, `nexus`, …). */
  readonly format?: string;
  /** ISO time of the upload. */
  readonly created: string;
}

/** What the server gives every route module. */
export interface RouteContext {
  /** The same services the CLI's commands get (executors, run registry, backend config, env). */
  readonly command: CommandContext;
  /**
   * The absolute path of `ref` on this machine, after checking that it stays inside its root
   * (no `..`, no absolute paths, no symlink leaving the root, no encoded variants). Throws a
   * `ValidationError` (field `field`, default `path`) or a `NotFoundError` for unknown roots and
   * missing files.
   */
  resolveFile(ref: FileRef, field?: string): Promise<string>;
  /** The absolute path of an uploaded file by id; `NotFoundError` for an unknown id. */
  uploadPath(id: string): Promise<string>;
  /**
   * Stores bytes a route made (a prediction file) as a new upload, so a client can fetch and
   * reuse it as `{ root: 'uploads', path: record.id }`. `name` is sanitised (its extension kept).
   */
  saveUpload(name: string, bytes: Uint8Array): Promise<UploadRecord>;
  /** The models root (`--models`, default `models/`), where trained models are looked up. */
  readonly modelsRoot: string;
  /**
   * Run CPU-heavy work through the server's bounded queue: at most a few at once, a short
   * backlog; when the backlog is full it throws a `BraggError` with code `BUSY` (→ 503 with
   * `Retry-After`) at once, never queueing without bound.
   */
  heavy<T>(work: () => Promise<T>): Promise<T>;
  /** Aborted when the server shuts down; long work stops or finishes and records its state. */
  readonly signal: AbortSignal;
}

/**
 * JSON schema of the error body every route documents for its 4xx/5xx responses:
 * `{"error": {"code", "message", "field"?}}`.
 */
export const errorBodySchema = {
  $id: 'BraggErrorBody',
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: true,
      properties: {
        code: { type: 'string', description: "bragg's stable error code (ErrorCode)" },
        message: { type: 'string' },
        field: { type: 'string', description: 'the request field at fault, where one is' },
      },
    },
  },
} as const;

/** The error responses a route lists in its schema (`response: { 200: …, ...errorResponses }`). */
export const errorResponses = {
  '4xx': { $ref: 'BraggErrorBody#' },
  '5xx': { $ref: 'BraggErrorBody#' },
} as const;

/** A workflow's Web API routes. */
export interface RouteModule {
  /** Short name, e.g. `phase`; routes go under `/api/<name>/`. */
  readonly name: string;
  /**
   * Where the routes are mounted instead of `/api/<name>` (`''` for the root, where a seed's
   * own HTTP interface lives, e.g. PACBED-CNN's `POST /inference/`).
   */
  readonly prefix?: string;
  /** Adds the routes to the app (called inside a plugin scoped to `prefix`, default `/api/<name>`). */
  register(app: FastifyInstance, ctx: RouteContext): void | Promise<void>;
}
