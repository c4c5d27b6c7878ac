// The embedding spaces the engine can produce: data only (no TF.js), so choosing and naming an encoder
// costs nothing in a process that runs no inference (the Electron main process, the CLI's settings).
import type { DistanceTable } from '../../shared/distance-table';
import type { MobileFaceNetTail } from './mobilefacenet-tail';
import type { HeadWeights } from './trained-head';

export interface EncoderPart {
  encoder: string;
  /** 'dlib51': fit dlib's own 51-point mean face (as dlib cuts its chips) instead of the five points. */
  align?: 'five' | 'dlib51';
  /** Share of the fused vector's squared norm this encoder contributes. */
  weight: number;
}
export interface EncoderConfig {
  /** Names the embedding space stored with every template. */
  id: string;
  parts: EncoderPart[];
  /** Also embed the mirrored face and average: cheap accuracy, costs one more batch row. */
  flip: boolean;
  /** Distance between unit vectors at the best LFW dev accuracy: the accept threshold until calibration sets one. */
  defaultThreshold: number;
  /**
   * A model trained by `presence train` (engine/trained-head.ts): its head is applied to the base
   * encoder's embedding, or its tail replaces the MobileFaceNet's last stage; its own distance table
   * replaces the shipped one.
   */
  trained?: { dir: string; head?: HeadWeights; tail?: MobileFaceNetTail; distances: DistanceTable };
}

/**
 * Embedding spaces the engine can produce. Templates carry the id: a template from one space is never
 * compared with a face from another. Thresholds: bench/RESULTS.md.
 */
export const ENCODER_CONFIGS: Record<string, EncoderConfig> = {
  // Shipped. 10-fold thresholds on LFW dev deep-funneled: cosine 0.912-0.914 = distance 0.41-0.42.
  'dlib128-a51-flip': {
    id: 'dlib128-a51-flip',
    parts: [{ encoder: 'dlib128', weight: 1, align: 'dlib51' }],
    flip: true,
    defaultThreshold: 0.42,
  },
  // cosine 0.907-0.919 on LFW dev = distance 0.40-0.43
  'dlib128-flip': {
    id: 'dlib128-flip',
    parts: [{ encoder: 'dlib128', weight: 1 }],
    flip: true,
    defaultThreshold: 0.43,
  },
  dlib128: { id: 'dlib128', parts: [{ encoder: 'dlib128', weight: 1 }], flip: false, defaultThreshold: 0.45 },
  // foamliu's MobileFaceNet on the ArcFace five-point 112 px template (shared/models README: best
  // without the mirror pass on LFW dev).
  'mfn-foamliu': {
    id: 'mfn-foamliu',
    parts: [{ encoder: 'mobilefacenet-foamliu', weight: 1 }],
    flip: false,
    defaultThreshold: 1.17,
  },
  'mfn-foamliu-flip': {
    id: 'mfn-foamliu-flip',
    parts: [{ encoder: 'mobilefacenet-foamliu', weight: 1 }],
    flip: true,
    defaultThreshold: 1.17,
  },
  'mfn-sirius-flip': {
    id: 'mfn-sirius-flip',
    parts: [{ encoder: 'mobilefacenet-sirius', weight: 1 }],
    flip: true,
    defaultThreshold: 1.1,
  },
  'fusion-foamliu+sirius': {
    id: 'fusion-foamliu+sirius',
    parts: [
      { encoder: 'mobilefacenet-foamliu', weight: 0.5 },
      { encoder: 'mobilefacenet-sirius', weight: 0.5 },
    ],
    flip: false,
    defaultThreshold: 1.1,
  },
  'fusion-foamliu+sirius-flip': {
    id: 'fusion-foamliu+sirius-flip',
    parts: [
      { encoder: 'mobilefacenet-foamliu', weight: 0.5 },
      { encoder: 'mobilefacenet-sirius', weight: 0.5 },
    ],
    flip: true,
    defaultThreshold: 1.1,
  },
  'fusion-foamliu+dlib': {
    id: 'fusion-foamliu+dlib',
    parts: [
      { encoder: 'mobilefacenet-foamliu', weight: 0.6 },
      { encoder: 'dlib128', weight: 0.4, align: 'dlib51' },
    ],
    flip: false,
    defaultThreshold: 1.0,
  },
  'fusion-foamliu+sirius+dlib': {
    id: 'fusion-foamliu+sirius+dlib',
    parts: [
      { encoder: 'mobilefacenet-foamliu', weight: 0.4 },
      { encoder: 'mobilefacenet-sirius', weight: 0.35 },
      { encoder: 'dlib128', weight: 0.25, align: 'dlib51' },
    ],
    flip: false,
    defaultThreshold: 1.0,
  },
  // The rest are for evaluation runs (PRESENCE_ENCODER): their thresholds are rough, calibrate before use.
  'faceres-flip': { id: 'faceres-flip', parts: [{ encoder: 'faceres', weight: 1 }], flip: true, defaultThreshold: 0.9 },
  'mobileface-flip': {
    id: 'mobileface-flip',
    parts: [{ encoder: 'mobileface', weight: 1 }],
    flip: true,
    defaultThreshold: 0.9,
  },
  'fusion-dlib128+faceres-flip': {
    id: 'fusion-dlib128+faceres-flip',
    parts: [
      { encoder: 'dlib128', weight: 0.8, align: 'dlib51' },
      { encoder: 'faceres', weight: 0.2 },
    ],
    flip: true,
    defaultThreshold: 0.5,
  },
};

/** The shipped embedding: the most accurate option within the latency target, chosen on LFW dev (bench/RESULTS.md). */
export const DEFAULT_ENCODER: EncoderConfig = ENCODER_CONFIGS['mfn-foamliu']!;
