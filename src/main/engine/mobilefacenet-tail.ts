// The last stage of the MobileFaceNet (conv2, gdconv, conv3) as plain numbers: what `presence train --mode
// finetune` retrains, and what its model folder stores. Data only (no TF.js), so that reading a model
// folder costs nothing in a process that runs no inference. encoder-mobilefacenet.ts runs it.
export const MOBILEFACENET_DIM = 128;
/** What the frozen trunk gives a face and the tail takes: the 7 x 7 map of the last block, 128 channels. */
export const TRUNK_CELLS = 49;
export const TRUNK_CHANNELS = 128;
export const TAIL_CHANNELS = 512;

/**
 * In TF filter layout: a 1x1 filter [1,1,in,out] is the in x out matrix row-major, the 7x7 depthwise
 * [7,7,512,1] is 49 x 512 (cell x channel).
 *   conv2  128 -> 512, bias, ReLU6;  gdconv 7x7 depthwise over the whole map, bias;  conv3 512 -> 128, bias.
 */
export interface MobileFaceNetTail {
  conv2: { filter: Float32Array; bias: Float32Array };
  gdconv: { filter: Float32Array; bias: Float32Array };
  conv3: { filter: Float32Array; bias: Float32Array };
}

export const TAIL_LAYERS = ['conv2', 'gdconv', 'conv3'] as const;
export type TailLayer = (typeof TAIL_LAYERS)[number];

/** Filter shape and bias length of each tail layer. */
export const TAIL_SHAPES: Record<TailLayer, { filter: [number, number, number, number]; bias: number }> = {
  conv2: { filter: [1, 1, TRUNK_CHANNELS, TAIL_CHANNELS], bias: TAIL_CHANNELS },
  gdconv: { filter: [7, 7, TAIL_CHANNELS, 1], bias: TAIL_CHANNELS },
  conv3: { filter: [1, 1, TAIL_CHANNELS, MOBILEFACENET_DIM], bias: MOBILEFACENET_DIM },
};

const filterSize = (l: TailLayer) => TAIL_SHAPES[l].filter.reduce((a, b) => a * b, 1);

/** Values in a tail: each layer's filter, then its bias, in TAIL_LAYERS order. */
export const TAIL_FLOATS = TAIL_LAYERS.reduce((s, l) => s + filterSize(l) + TAIL_SHAPES[l].bias, 0);

/** The tail as one array in the model folder's order (tail.bin). */
export function tailToFloats(tail: MobileFaceNetTail): Float32Array {
  const out = new Float32Array(TAIL_FLOATS);
  let at = 0;
  for (const l of TAIL_LAYERS) {
    const { filter, bias } = tail[l];
    if (filter.length !== filterSize(l) || bias.length !== TAIL_SHAPES[l].bias)
      throw new Error(`a MobileFaceNet tail's ${l} has the wrong size`);
    out.set(filter, at);
    out.set(bias, at + filter.length);
    at += filter.length + bias.length;
  }
  return out;
}

/** The inverse of tailToFloats: views into `floats`, which must hold TAIL_FLOATS values. */
export function tailFromFloats(floats: Float32Array): MobileFaceNetTail {
  if (floats.length !== TAIL_FLOATS)
    throw new Error(`a MobileFaceNet tail holds ${TAIL_FLOATS} values, not ${floats.length}`);
  let at = 0;
  const take = (l: TailLayer) => {
    const f = filterSize(l);
    const part = { filter: floats.subarray(at, at + f), bias: floats.subarray(at + f, at + f + TAIL_SHAPES[l].bias) };
    at += f + TAIL_SHAPES[l].bias;
    return part;
  };
  return { conv2: take('conv2'), gdconv: take('gdconv'), conv3: take('conv3') };
}
