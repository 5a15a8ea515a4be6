/**
 * A trained peaks model at prediction time: the bundle (`bragg.json` + TF.js layers model,
 * checked by `loadBundle`), rebuilt at the size of the frames it is given (the U-Net is fully
 * convolutional: the architecture is built again at the padded frame size and the trained
 * weights copied in), run on blocks of frames and decoded into instances (`decode.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../core/errors.js';
import { loadBundle, type ModelBundle } from '../../../ml/store/bundle.js';
import type { PeaksPredictor } from '../predictor.js';
import {
  paddedSize,
  PEAKS_UNET,
  PEAKS_UNET_ARCHITECTURE,
  PEAKS_UNET_OUTPUTS,
  type PeaksUnetOptions,
} from '../models/unet.js';
import { decodeInstances, type DecodedFrame, type DecodeOptions } from './decode.js';
import type { LocalBackground } from '../classic/background.js';
import { inputChannels, networkInput } from './maps.js';

export interface PeaksModel extends PeaksPredictor {
  /**
   * The network's maps of `count` frames (count × h × w counts, bad pixels repaired): for each
   * frame hp × wp × 2 (foreground, interior), hp and wp the padded size.
   */
  maps(
    frames: Float32Array,
    count: number,
    h: number,
    w: number,
    /**
     * The frames are already the network's input (`networkInput`: count × h × w × channels),
     * not counts.
     */
    scaled?: boolean,
  ): { data: Float32Array; hp: number; wp: number; backgrounds?: LocalBackground[] };
}

/** Frames the network runs on at once (the memory is ~ this × frame pixels × 4·filters floats). */
const SUB_BATCH = 4;

export async function loadPeaksModel(dir: string): Promise<PeaksModel> {
  return unetModel(await loadBundle(dir));
}

/** A loaded U-Net bundle as a model (a ValidationError, the bundle disposed, for any other). */
export function unetModel(b: ModelBundle): PeaksModel {
  if (b.meta.workflow !== 'peaks' || b.meta.architecture.name !== PEAKS_UNET) {
    b.model.dispose();
    throw new ValidationError(
      `${b.dir} is a ${b.meta.workflow} model (${b.meta.architecture.name}), not a peaks model (${PEAKS_UNET} or peaks-sslm); train one with bragg peaks train`,
      'model',
    );
  }
  const arch = PEAKS_UNET_ARCHITECTURE.resolve(
    b.meta.architecture.config as Partial<PeaksUnetOptions>,
  );
  const weights = b.model.getWeights();
  const sized = new Map<string, tf.LayersModel>();
  const at = (hp: number, wp: number): tf.LayersModel => {
    const key = `${hp}x${wp}`;
    let m = sized.get(key);
    if (m === undefined) {
      m = PEAKS_UNET_ARCHITECTURE.build({ ...arch, height: hp, width: wp }, 0);
      m.setWeights(weights);
      sized.set(key, m);
    }
    return m;
  };
  const maps: PeaksModel['maps'] = (frames, count, h, w, isScaled = false) => {
    const hp = paddedSize(h, arch.levels, arch.patch);
    const wp = paddedSize(w, arch.levels, arch.patch);
    const model = at(hp, wp);
    const c = inputChannels(arch.input);
    const out = new Float32Array(count * hp * wp * PEAKS_UNET_OUTPUTS.length);
    const scaled = new Float32Array(h * w * c);
    const backgrounds: LocalBackground[] = [];
    for (let k0 = 0; k0 < count; k0 += SUB_BATCH) {
      const k1 = Math.min(count, k0 + SUB_BATCH);
      const x = new Float32Array((k1 - k0) * hp * wp * c);
      for (let k = k0; k < k1; k++) {
        if (isScaled) scaled.set(frames.subarray(k * h * w * c, (k + 1) * h * w * c));
        else {
          const f = frames.subarray(k * h * w, (k + 1) * h * w);
          const r = networkInput(f, h, w, arch.input, scaled);
          if (r.background) backgrounds.push(r.background);
        }
        const base = (k - k0) * hp * wp * c;
        // edge padding: the last row / column repeated
        for (let r = 0; r < hp; r++) {
          const sr = Math.min(r, h - 1) * w;
          const o = base + r * wp * c;
          for (let q = 0; q < wp; q++) {
            const src = (sr + Math.min(q, w - 1)) * c;
            for (let j = 0; j < c; j++) x[o + q * c + j] = scaled[src + j]!;
          }
        }
      }
      const y = tf.tidy(() => model.predict(tf.tensor4d(x, [k1 - k0, hp, wp, c])) as tf.Tensor);
      out.set(y.dataSync() as Float32Array, k0 * hp * wp * 2);
      y.dispose();
    }
    return {
      data: out,
      hp,
      wp,
      ...(backgrounds.length === count ? { backgrounds } : {}),
    };
  };
  const own = ((b.meta as { peaks?: { decode?: DecodeOptions } }).peaks?.decode ??
    {}) as DecodeOptions;
  const decodeOwn: DecodeOptions = {};
  for (const k of ['threshold', 'nmsIou', 'seedLevel', 'maskLevel', 'grow', 'minPixels'] as const)
    if (typeof own[k] === 'number') decodeOwn[k] = own[k];
  return {
    dir: b.dir,
    meta: b.meta,
    decode: decodeOwn,
    maps,
    predict(frames, count, h, w, given = {}) {
      const decode: DecodeOptions = { ...decodeOwn };
      for (const [k, v] of Object.entries(given))
        if (v !== undefined) decode[k as keyof DecodeOptions] = v as number;
      const { data, hp, wp, backgrounds } = maps(frames, count, h, w);
      const res: DecodedFrame[] = [];
      for (let k = 0; k < count; k++) {
        const d = decodeInstances(
          data.subarray(k * hp * wp * 2, (k + 1) * hp * wp * 2),
          h,
          w,
          decode,
          wp,
        );
        const bg = backgrounds?.[k];
        res.push(bg ? { ...d, background: bg.mean } : d);
      }
      return res;
    },
    dispose() {
      for (const m of sized.values()) m.dispose();
      sized.clear();
      b.model.dispose();
    },
  };
}
