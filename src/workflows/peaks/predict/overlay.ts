/**
 * The seed's 2×2 figure of one frame (DiPID `show_image_predictions`): the image, the log
 * image (log(x + 1e-5)), and each with the predicted masks laid over at α = 0.25; as one RGB
 * PNG (panels separated by a 4-pixel white gap), viridis for intensities, each instance in its
 * own colour.
 */
import { ndarray } from '../../../core/ndarray.js';
import { applyColormap } from '../../../formats/image/colormap.js';
import { encodePng } from '../../../formats/image/png.js';
import { minMaxNormalise } from '../scan/preprocess.js';

export const OVERLAY_ALPHA = 0.25;
const GAP = 4;
/** Instance colours (RGB), cycled by id. */
const PALETTE: readonly [number, number, number][] = [
  [255, 64, 64], [64, 255, 64], [255, 255, 64], [255, 64, 255], [64, 255, 255], [255, 160, 32],
]; // prettier-ignore

function panel(t: Float32Array, mask: Uint16Array | undefined): Uint8Array {
  const rgb = applyColormap(t, 'viridis');
  if (!mask) return rgb;
  for (let i = 0; i < mask.length; i++) {
    const id = mask[i]!;
    if (id === 0) continue;
    const c = PALETTE[(id - 1) % PALETTE.length]!;
    for (let k = 0; k < 3; k++) {
      rgb[3 * i + k] = Math.round((1 - OVERLAY_ALPHA) * rgb[3 * i + k]! + OVERLAY_ALPHA * c[k]!);
    }
  }
  return rgb;
}

/** PNG bytes of the 2×2 figure of one frame (counts) and its instance mask. */
export function overlayPng(
  frame: Float32Array,
  mask: Uint16Array,
  height: number,
  width: number,
): Uint8Array {
  const lin = minMaxNormalise(Float32Array.from(frame));
  const log = minMaxNormalise(Float32Array.from(frame, (v) => Math.log(Math.max(v, 0) + 1e-5)));
  const panels = [panel(lin, undefined), panel(log, undefined), panel(lin, mask), panel(log, mask)];
  const H = 2 * height + GAP;
  const W = 2 * width + GAP;
  const out = new Uint8Array(H * W * 3).fill(255);
  panels.forEach((p, k) => {
    const oy = k >= 2 ? height + GAP : 0;
    const ox = k % 2 === 1 ? width + GAP : 0;
    for (let y = 0; y < height; y++) {
      out.set(p.subarray(y * width * 3, (y + 1) * width * 3), ((oy + y) * W + ox) * 3);
    }
  });
  return encodePng(ndarray('rgb8', [H, W], out));
}
