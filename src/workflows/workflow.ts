/**
 * The Workflow contract: what one workflow (phase, pacbed, peaks, classify) declares so that
 * the platform can offer it everywhere the same way. A workflow lives in
 * `src/workflows/<name>/`, owns its data contracts, job types, model architectures and
 * commands, and exports one `Workflow` value from its `index.ts`; the composition root
 * (`src/app/`) lists the workflows and builds every registry from them. Nothing below the
 * app imports a workflow's `index.ts`.
 */
import type { JobType } from '../jobs/types.js';
import type { Architecture } from '../ml/models/architecture.js';
import type { CommandModule } from './command.js';
import type { RouteModule } from './route.js';

/** A file layout the workflow reads or writes, documented where users see it (`bragg workflows`). */
export interface DataContract {
  /** Short id, e.g. `dataset`, `prediction`. */
  readonly name: string;
  /** File or folder pattern, e.g. `<dir>/manifest.json + shards/*.{npz,hdf5}`. */
  readonly files: string;
  readonly description: string;
}

export interface Workflow {
  /** The CLI word and registry key: lower case, e.g. `phase`. */
  readonly name: string;
  /** One line for people. */
  readonly title: string;
  /** The files it reads and writes. */
  readonly contracts: readonly DataContract[];
  /** Job types its runs queue (dataset shards, batch predictions), run by any executor. */
  readonly jobTypes: readonly JobType<never, unknown>[];
  /** Model architectures of its own (beyond ml's built-ins), registered by the app. */
  readonly architectures: readonly Architecture[];
  /** Its CLI commands (`bragg <name> …` and additions to shared groups such as `simulate`). */
  readonly commands: readonly CommandModule[];
  /** Its Web API routes under `/api/<name>/` (`bragg serve`); none for a CLI-only workflow. */
  readonly routes?: readonly RouteModule[];
  /** Its browser page, by id in the web UI's page registry (`web/src/pages/`), if it has one. */
  readonly page?: string;
}
