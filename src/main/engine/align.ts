// Geometry shared by the stages: similarity transforms and bilinear warps of packed RGB pixels.
// Warping in plain JS keeps each crop a single pass with no intermediate tensors to dispose.
import type { Point } from '../../shared/face';
import type { RgbImage } from './image';

/** Maps an output pixel (u, v) to source coordinates: x = a*u + b*v + c, y = d*u + e*v + f. */
export type Affine = [a: number, b: number, c: number, d: number, e: number, f: number];

/** ArcFace / InsightFace canonical five points in a 112x112 crop: right eye, left eye, nose, right mouth, left mouth (image order). */
export const ARCFACE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * The five canonical points placed in a size x size crop. zoom < 1 shows more context around the face
 * (encoders trained on looser crops, e.g. dlib's 150 px chips with padding); dy moves the face down.
 */
export function canonicalPoints(size: number, zoom = 1, dy = 0): Point[] {
  return ARCFACE_112.map(([x, y]) => [
    ((x / 112 - 0.5) * zoom + 0.5) * size,
    ((y / 112 - 0.5) * zoom + 0.5 + dy) * size,
  ]);
}

/** Least-squares similarity (scale, rotation, translation) taking dst points to src points. */
export function similarityTo(dst: readonly Point[], src: readonly Point[]): Affine {
  const n = dst.length;
  let mux = 0,
    muy = 0,
    mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mux += dst[i][0];
    muy += dst[i][1];
    mx += src[i][0];
    my += src[i][1];
  }
  mux /= n;
  muy /= n;
  mx /= n;
  my /= n;
  let sxx = 0,
    sxy = 0,
    norm = 0;
  for (let i = 0; i < n; i++) {
    const u = dst[i][0] - mux,
      v = dst[i][1] - muy;
    const x = src[i][0] - mx,
      y = src[i][1] - my;
    sxx += u * x + v * y;
    sxy += u * y - v * x;
    norm += u * u + v * v;
  }
  const a = sxx / norm,
    b = sxy / norm; // x = a*u - b*v + tx ; y = b*u + a*v + ty
  return [a, -b, mx - a * mux + b * muy, b, a, my - b * mux - a * muy];
}

export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  const ia = e / det,
    ib = -b / det,
    id = -d / det,
    ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** Rotation by angle (radians) and uniform scale about a centre, as an output->source map for a size x size crop. */
export function rotatedCrop(cx: number, cy: number, side: number, angle: number, size: number): Affine {
  const s = side / size;
  const cos = Math.cos(angle) * s,
    sin = Math.sin(angle) * s;
  // u,v relative to crop centre, rotated by angle, scaled to source pixels
  const h = size / 2;
  return [cos, -sin, cx - cos * h + sin * h, sin, cos, cy - sin * h - cos * h];
}

/**
 * Samples img through m into an outW x outH RGB Float32Array (0..255). When the map shrinks by more
 * than 1.5x, each output pixel averages a grid of samples so small inputs are not aliased.
 */
export function warpAffine(img: RgbImage, m: Affine, outW: number, outH: number, fill = 0): Float32Array {
  const out = new Float32Array(outW * outH * 3);
  const { width: W, height: H, data } = img;
  const scale = Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
  const k = scale > 1.5 ? Math.min(4, Math.ceil(scale)) : 1;
  const inv = 1 / (k * k);
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let sy = 0; sy < k; sy++) {
        for (let sx = 0; sx < k; sx++) {
          const uu = u + (sx + 0.5) / k - 0.5,
            vv = v + (sy + 0.5) / k - 0.5;
          const x = m[0] * uu + m[1] * vv + m[2];
          const y = m[3] * uu + m[4] * vv + m[5];
          const x0 = Math.floor(x),
            y0 = Math.floor(y);
          const fx = x - x0,
            fy = y - y0;
          let pr = 0,
            pg = 0,
            pb = 0;
          for (let j = 0; j < 2; j++) {
            const yy = y0 + j;
            const wy = j ? fy : 1 - fy;
            for (let i = 0; i < 2; i++) {
              const xx = x0 + i;
              const w = wy * (i ? fx : 1 - fx);
              if (xx < 0 || yy < 0 || xx >= W || yy >= H) {
                pr += w * fill;
                pg += w * fill;
                pb += w * fill;
              } else {
                const o = (yy * W + xx) * 3;
                pr += w * data[o];
                pg += w * data[o + 1];
                pb += w * data[o + 2];
              }
            }
          }
          r += pr;
          g += pg;
          b += pb;
        }
      }
      const o = (v * outW + u) * 3;
      out[o] = r * inv;
      out[o + 1] = g * inv;
      out[o + 2] = b * inv;
    }
  }
  return out;
}

/**
 * Averages f x f blocks: a cheap anti-aliasing step before a large downscale (camera frame -> 128 px
 * detector input), so the bilinear warp after it never skips source pixels.
 */
export function boxShrink(img: RgbImage, f: number): RgbImage {
  const w = Math.floor(img.width / f),
    h = Math.floor(img.height / f);
  const out = new Uint8Array(w * h * 3);
  const acc = new Uint32Array(w * 3);
  const inv = 1 / (f * f);
  const { width: W, data } = img;
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let dy = 0; dy < f; dy++) {
      let o = (y * f + dy) * W * 3;
      for (let x = 0; x < w; x++) {
        let r = 0,
          g = 0,
          b = 0;
        for (let dx = 0; dx < f; dx++, o += 3) {
          r += data[o];
          g += data[o + 1];
          b += data[o + 2];
        }
        acc[x * 3] += r;
        acc[x * 3 + 1] += g;
        acc[x * 3 + 2] += b;
      }
    }
    const row = y * w * 3;
    for (let i = 0; i < w * 3; i++) out[row + i] = Math.round(acc[i] * inv);
  }
  return { width: w, height: h, data: out };
}

/** Horizontal mirror of a packed RGB float crop (flip test-time augmentation). */
export function mirror(crop: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(crop.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3,
        d = (y * w + (w - 1 - x)) * 3;
      out[d] = crop[s];
      out[d + 1] = crop[s + 1];
      out[d + 2] = crop[s + 2];
    }
  }
  return out;
}
