/**
 * The page registry: every page of the UI by id. A workflow's page registers here under the id
 * its `Workflow.page` names (the server lists workflows with it), so the shell links it like
 * the platform's own pages.
 */
import type { ComponentType } from 'react';
import { ClassifyPage } from './classify/ClassifyPage';
import { FilesPage } from './files/FilesPage';
import { ModelsPage } from './models/ModelsPage';
import { PacbedPage } from './pacbed/PacbedPage';
import { PeaksPage } from './peaks/PeaksPage';
import { PhasePage } from './phase/PhasePage';
import { RunsPage } from './runs/RunsPage';
import { SimulatePage } from './simulate/SimulatePage';

export interface PageDef {
  /** The route (`#/<id>`) and, for a workflow page, the workflow's `page` field. */
  readonly id: string;
  readonly title: string;
  readonly component: ComponentType;
  /** The workflow that contributes the page, if any. */
  readonly workflow?: string;
}

export const PAGES: readonly PageDef[] = [
  { id: 'files', title: 'Files', component: FilesPage },
  { id: 'simulate', title: 'Simulate', component: SimulatePage },
  { id: 'runs', title: 'Runs', component: RunsPage },
  { id: 'models', title: 'Models', component: ModelsPage },
  { id: 'phase', title: 'Phase', component: PhasePage, workflow: 'phase' },
  { id: 'pacbed', title: 'PACBED', component: PacbedPage, workflow: 'pacbed' },
  { id: 'peaks', title: 'Peaks', component: PeaksPage, workflow: 'peaks' },
  { id: 'classify', title: 'Classify', component: ClassifyPage, workflow: 'classify' },
];

export function findPage(id: string): PageDef | undefined {
  return PAGES.find((p) => p.id === id);
}
