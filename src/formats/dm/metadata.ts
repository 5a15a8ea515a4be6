/**
 * The microscope metadata a user looks for, picked out of an image's `ImageTags` as camelCase
 * keys with units in the names. Tag locations follow what Gatan DigitalMicrograph writes (and
 * rosettasciio maps, `rsciio/digitalmicrograph/_api.py` `get_mapping`), checked against the
 * values rosettasciio's tests assert for the corpus files (MANIFEST §1.2).
 */
import type { Metadata } from '../../core/data-array.js';
import type { TagGroup } from './tags.js';
import { getGroup, getNumber, getString } from './tree.js';

/** "7/20/2015" (DM's US locale), "20.07.2015", "2015-07-20" → "2015-07-20"; else undefined. */
export function isoDate(s: string): string | undefined {
  const t = s.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(t);
  if (m) return ymd(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (m) {
    const a = +m[1]!;
    const b = +m[2]!;
    // DM writes month/day/year; a first number above 12 can only be a day.
    return a > 12 ? ymd(+m[3]!, b, a) : ymd(+m[3]!, a, b);
  }
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(t);
  if (m) return ymd(+m[3]!, +m[2]!, +m[1]!);
  return undefined;
}

function ymd(y: number, mo: number, d: number): string | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** "6:48:25 PM" → "18:48:25", "15:32:41" → "15:32:41"; else undefined. */
export function isoTime(s: string): string | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/.exec(s.trim());
  if (!m) return undefined;
  let h = +m[1]!;
  const ampm = m[4]?.toUpperCase();
  if (ampm !== undefined) {
    if (h < 1 || h > 12) return undefined;
    if (ampm === 'AM' && h === 12) h = 0;
    if (ampm === 'PM' && h !== 12) h += 12;
  }
  if (h > 23 || +m[2]! > 59 || +(m[3] ?? 0) > 59) return undefined;
  return `${String(h).padStart(2, '0')}:${m[2]}:${m[3] ?? '00'}`;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s !== undefined && s.trim() !== '' ? s.trim() : undefined;
}

/** The tag group that holds acquisition tags (StackBuilder stacks keep them under `source`). */
export function acquisitionTags(imageTags: TagGroup | undefined): TagGroup | undefined {
  return getGroup(imageTags, 'source', 'Tags at creation') ?? imageTags;
}

/** Normalised signal type: `EELS`, `EDS`, `CL`, or DM's own `Meta Data.Signal` text. */
function signalType(t: TagGroup | undefined): string | undefined {
  const s = nonEmpty(getString(t, 'Meta Data', 'Signal'));
  if (s === 'X-ray') return 'EDS';
  if (s === 'CL' || getGroup(t, 'Acquisition', 'Monarc Spectrometer') !== undefined) return 'CL';
  if (s === 'EELS' || getGroup(t, 'spim', 'eels') !== undefined) return 'EELS';
  return s;
}

/**
 * Key metadata of one image (`ImageTags` of an `ImageList` entry). Only keys whose tags
 * exist are set. Units: kV→keV, mm, mrad, s, degrees, µm, nA as the key names say.
 */
export function keyMetadata(imageTags: TagGroup | undefined): Metadata {
  const t = acquisitionTags(imageTags);
  const md: Metadata = {};
  const set = (k: string, v: string | number | undefined): void => {
    if (v !== undefined) md[k] = v;
  };
  const mi = getGroup(t, 'Microscope Info');
  const illumination = nonEmpty(getString(mi, 'Illumination Mode'));
  const imaging = nonEmpty(getString(mi, 'Imaging Mode'));
  const mode =
    illumination === undefined
      ? undefined
      : illumination.includes('STEM')
        ? 'STEM'
        : illumination.includes('SEM')
          ? 'SEM'
          : 'TEM';
  set(
    'microscope',
    nonEmpty(getString(t, 'Session Info', 'Microscope')) ??
      nonEmpty(getString(mi, 'Name')) ??
      nonEmpty(getString(mi, 'Microscope')),
  );
  set('acquisitionMode', mode);
  set('illuminationMode', illumination);
  set('imagingMode', imaging);
  const volts = getNumber(mi, 'Voltage');
  set('beamEnergyKeV', volts === undefined ? undefined : volts / 1000);
  const mag = getNumber(mi, 'Indicated Magnification');
  if (illumination === 'TEM' && imaging === 'DIFFRACTION') {
    // In TEM diffraction DM reports the camera length (mm) in the magnification field.
    set('cameraLengthMm', mag);
  } else {
    set('magnification', mag);
    if (illumination !== 'TEM') set('cameraLengthMm', getNumber(mi, 'STEM Camera Length'));
  }
  set('probeCurrentNA', getNumber(mi, 'Probe Current (nA)'));
  set('stageAlphaDeg', getNumber(mi, 'Stage Position', 'Stage Alpha'));
  set('stageBetaDeg', getNumber(mi, 'Stage Position', 'Stage Beta'));
  set('stageXUm', getNumber(mi, 'Stage Position', 'Stage X'));
  set('stageYUm', getNumber(mi, 'Stage Position', 'Stage Y'));
  set('stageZUm', getNumber(mi, 'Stage Position', 'Stage Z'));
  set('operator', nonEmpty(getString(t, 'Session Info', 'Operator')));
  set('specimen', nonEmpty(getString(t, 'Session Info', 'Specimen')));

  const signal = signalType(t);
  set('signalType', signal);
  set('signalFormat', nonEmpty(getString(t, 'Meta Data', 'Format')));
  const eels = getGroup(t, 'EELS');
  set(
    'convergenceAngleMrad',
    getNumber(eels, 'Experimental Conditions', 'Convergence semi-angle (mrad)') ??
      getNumber(mi, 'Convergence Angle (mrad)'),
  );
  set(
    'collectionAngleMrad',
    getNumber(eels, 'Experimental Conditions', 'Collection semi-angle (mrad)'),
  );

  // Exposure: per-spectrum integration time for spectra, else the camera exposure.
  const group =
    signal === 'EELS'
      ? eels
      : signal === 'CL'
        ? getGroup(t, 'CL')
        : signal === 'EDS'
          ? getGroup(t, 'EDS')
          : undefined;
  const acq = getGroup(group, 'Acquisition');
  const integration = getNumber(acq, 'Integration time (s)');
  const perFrame = getNumber(acq, 'Exposure (s)');
  const frames = getNumber(acq, 'Number of frames') ?? 1;
  const exposure0 =
    integration ??
    (perFrame === undefined ? undefined : perFrame * frames) ??
    getNumber(acq, 'Dwell time (s)');
  const exposure =
    exposure0 ??
    getNumber(t, 'DataBar', 'Exposure Time (s)') ??
    getNumber(t, 'Acquisition', 'Parameters', 'High Level', 'Exposure (s)');
  set('exposureS', exposure);
  set('liveTimeS', signal === 'EDS' ? getNumber(group, 'Live time') : undefined);
  set('realTimeS', signal === 'EDS' ? getNumber(group, 'Real time') : undefined);
  const sample = getNumber(t, 'DigiScan', 'Sample Time');
  set('dwellTimeS', sample === undefined ? undefined : sample * 1e-6);

  // DataBar first (what rosettasciio's tests assert), then the spectrometer's own record.
  const begin = nonEmpty(getString(acq, 'Acquisition begin'))?.split(/\s+/);
  const dateText =
    nonEmpty(getString(t, 'DataBar', 'Acquisition Date')) ??
    nonEmpty(getString(acq, 'Date')) ??
    nonEmpty(getString(t, 'SI', 'Acquisition', 'Date')) ??
    begin?.[0];
  const timeText =
    nonEmpty(getString(t, 'DataBar', 'Acquisition Time')) ??
    nonEmpty(getString(acq, 'Start time')) ??
    nonEmpty(getString(t, 'SI', 'Acquisition', 'Start time')) ??
    (begin !== undefined && begin.length > 1 ? begin.slice(1).join(' ') : undefined);
  set('acquisitionDate', dateText === undefined ? undefined : (isoDate(dateText) ?? dateText));
  set('acquisitionTime', timeText === undefined ? undefined : (isoTime(timeText) ?? timeText));
  return md;
}
