/**
 * The data types of crystal structures, apart from the code that builds them (structure.ts,
 * cif.ts) and expands them (expand.ts), so that those modules import types without a cycle.
 */
import type { CellParameters, Lattice } from './lattice.js';
import type { SpaceGroup } from './spacegroup/index.js';

export interface AtomSite {
  label: string;
  /** Element symbol without charge (`O`, `Fe`); D/T are given as H. */
  element: string;
  /** Fractional coordinates. */
  x: number;
  y: number;
  z: number;
  /** Site occupancy 0..1. */
  occupancy: number;
  /** Isotropic displacement U in Å² (B = 8π²U); Ueq for anisotropic sites. */
  uIso: number;
}

export interface Crystal {
  name: string;
  cell: CellParameters;
  lattice: Lattice;
  spaceGroup: SpaceGroup;
  /** Asymmetric unit as in the file. */
  sites: AtomSite[];
  /** Full unit cell, coordinates in [0, 1). */
  atoms: AtomSite[];
  /** File the structure came from, if any. */
  source?: string;
  /** Assumptions made while reading (defaults used, values ignored), for users to see. */
  warnings?: string[];
}

export interface CrystalOptions {
  /** File name for error messages and `source`. */
  file?: string;
  /** Data block by name or 0-based index; default: the first block with a unit cell. */
  block?: string | number;
  /** Tolerance in Å for merging coincident images of a site (default 0.01 Å). */
  mergeTolerance?: number;
}
