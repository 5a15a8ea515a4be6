/**
 * The workflow registry: every workflow bragg offers, as data. Add a workflow by writing
 * `src/workflows/<name>/index.ts` (a `Workflow`) and listing it here (CONTRIBUTING.md,
 * "Adding a workflow"); its job types, architectures and commands then reach every executor,
 * worker, model loader and the CLI.
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import { registerArchitecture } from '../ml/models/registry.js';
import { classifyWorkflow } from '../workflows/classify/index.js';
import { pacbedWorkflow } from '../workflows/pacbed/index.js';
import { peaksWorkflow } from '../workflows/peaks/index.js';
import { phaseWorkflow } from '../workflows/phase/index.js';
import type { Workflow } from '../workflows/workflow.js';

export const WORKFLOWS: readonly Workflow[] = [
  phaseWorkflow,
  pacbedWorkflow,
  peaksWorkflow,
  classifyWorkflow,
];
checkWorkflows(WORKFLOWS);

let architecturesRegistered = false;

/**
 * Register every workflow's model architectures in ml's architecture registry (once), so that
 * any model bragg trains can be built and described by name. Called by the CLI at start.
 */
export function registerWorkflowArchitectures(): void {
  if (architecturesRegistered) return;
  architecturesRegistered = true;
  for (const w of WORKFLOWS) for (const a of w.architectures) registerArchitecture(a);
}

/** Check the list once: unique lower-case names. */
export function checkWorkflows(list: readonly Workflow[]): void {
  const names = new Set<string>();
  for (const w of list) {
    if (!/^[a-z][a-z0-9-]*$/.test(w.name)) {
      throw new ValidationError(`workflow name '${w.name}' is not a lower-case word`, 'name');
    }
    if (names.has(w.name))
      throw new ValidationError(`workflow '${w.name}' is listed twice`, 'name');
    names.add(w.name);
  }
}

export function workflow(name: string): Workflow {
  const w = WORKFLOWS.find((x) => x.name === name);
  if (!w) {
    throw new NotFoundError(
      `unknown workflow '${name}'; known: ${WORKFLOWS.map((x) => x.name).join(', ')}`,
    );
  }
  return w;
}
