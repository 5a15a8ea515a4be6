/**
 * What `predictScan` needs of a trained peaks model, whichever method trained it (the U-Net:
 * `cnn/model.ts`; the SSLM: `ssl/model.ts`); `predict/predict.ts` picks the loader by the
 * bundle's architecture.
 */
import type { BundleMeta } from '../../ml/store/schema.js';
import type { DecodedFrame, DecodeOptions } from './cnn/decode.js';

export interface PeaksPredictor {
  readonly dir: string;
  readonly meta: BundleMeta;
  /** The decoding stored with the model (bragg.json `peaks.decode`). */
  readonly decode: DecodeOptions;
  /**
   * Instances of `count` frames (counts, bad pixels repaired; count × h × w); `decode` over the
   * model's own (fields a method does not use are ignored).
   */
  predict(
    frames: Float32Array,
    count: number,
    h: number,
    w: number,
    decode?: DecodeOptions,
    /** Run options a method may use (the U-Net's `gate`, `cnn/model.ts` RunOptions; others ignore them). */
    run?: { gate?: number },
  ): DecodedFrame[];
  dispose(): void;
}
