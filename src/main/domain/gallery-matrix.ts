// Storage for the matcher: unit-length rows in ONE contiguous float32 buffer, and the dot products of a
// query with all of them.
//
// Layout of the backing buffer (a WebAssembly memory when the SIMD kernel is available, else a plain
// ArrayBuffer with the same layout):
//   [query: stride floats][rows: capacity x stride floats][scores: capacity floats]
// `stride` is the dimension rounded up to 16 floats; the padding stays zero, so it never changes a dot
// product, and every row starts on a 64-byte boundary, which the kernel relies on.
// Growth doubles the capacity. The rows region never moves (only the scratch scores region after it),
// so growing a WebAssembly.Memory keeps rows in place; views are re-created because growth detaches
// the old ArrayBuffer.

import { AppError } from '../../shared/errors';
import {
  createDotKernel,
  KERNEL_ROW_ALIGN_BYTES,
  WASM_PAGE_BYTES,
  type DotsFunction,
  type WasmMemory,
} from './dot-kernel-wasm';

export type DotBackend = 'wasm-simd' | 'js';

const FLOATS_PER_ALIGN = KERNEL_ROW_ALIGN_BYTES / 4;
const INITIAL_CAPACITY = 64;

export class GalleryMatrix {
  readonly dim: number;
  /** Floats per row, dim rounded up to a multiple of 16. */
  readonly stride: number;
  readonly backend: DotBackend;

  private capacity = 0;
  private memory: WasmMemory | null = null;
  private buffer: ArrayBuffer = new ArrayBuffer(0);
  private kernel: DotsFunction | null = null;
  private readonly rowsOffsetBytes: number;

  private query = new Float32Array(0);
  private rows = new Float32Array(0);
  private scores = new Float32Array(0);

  constructor(dim: number, backend: 'auto' | DotBackend = 'auto') {
    this.dim = dim;
    this.stride = Math.ceil(dim / FLOATS_PER_ALIGN) * FLOATS_PER_ALIGN;
    this.rowsOffsetBytes = this.stride * 4;
    const initialBytes = this.bytesFor(INITIAL_CAPACITY);
    if (backend !== 'js') {
      const created = createDotKernel(initialBytes);
      if (created) {
        this.memory = created.memory;
        this.kernel = created.dots;
      } else if (backend === 'wasm-simd') {
        throw new AppError('ENGINE_UNAVAILABLE', 'WebAssembly SIMD is not available in this runtime.');
      }
    }
    this.backend = this.kernel ? 'wasm-simd' : 'js';
    if (!this.memory) this.buffer = new ArrayBuffer(initialBytes);
    this.capacity = INITIAL_CAPACITY;
    this.remapViews();
  }

  /** Makes room for at least `rows` rows, keeping rows 0..liveRows-1. */
  reserve(rows: number, liveRows: number): void {
    if (rows <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < rows) capacity *= 2;
    const bytes = this.bytesFor(capacity);
    if (this.memory) {
      const missing = bytes - this.memory.buffer.byteLength;
      if (missing > 0) {
        try {
          this.memory.grow(Math.ceil(missing / WASM_PAGE_BYTES));
        } catch {
          throw new AppError('INTERNAL', `Cannot grow the template matrix to ${capacity} rows of ${this.dim} values.`);
        }
      }
    } else {
      const old = this.rows.subarray(0, liveRows * this.stride);
      this.buffer = new ArrayBuffer(bytes);
      new Float32Array(this.buffer, this.rowsOffsetBytes, liveRows * this.stride).set(old);
    }
    this.capacity = capacity;
    this.remapViews();
  }

  /** Stores embedding / |embedding| as row `row`. The caller has checked length and finiteness. */
  writeRow(row: number, embedding: Float32Array): void {
    normaliseInto(embedding, this.rows, row * this.stride);
  }

  /** Copies row `from` over row `to` (used to fill a hole with the last row). */
  moveRow(from: number, to: number): void {
    this.rows.copyWithin(to * this.stride, from * this.stride, (from + 1) * this.stride);
  }

  /** Stores embedding / |embedding| as the query for the following dot-product calls. */
  setQuery(embedding: Float32Array): void {
    normaliseInto(embedding, this.query, 0);
  }

  /**
   * Dot products of the current query with rows 0..n-1. Returns a view into a reused buffer: read it
   * before the next call.
   */
  dotAll(n: number): Float32Array {
    if (this.kernel) {
      this.kernel(this.rowsOffsetBytes, 0, n, this.stride * 4, this.scoresOffsetBytes());
    } else {
      dotAllJs(this.rows, this.query, n, this.stride, this.dim, this.scores);
    }
    return this.scores;
  }

  /**
   * Euclidean distance of the current query to one row, summed in float64 from the differences. Used for
   * the distances reported to callers: 2 - 2*dot in float32 loses precision near distance 0.
   */
  distanceToRow(row: number): number {
    const m = this.rows;
    const q = this.query;
    const off = row * this.stride;
    let s = 0;
    for (let j = 0; j < this.dim; j++) {
      const d = m[off + j]! - q[j]!;
      s += d * d;
    }
    return Math.sqrt(s);
  }

  /** A copy of one stored (normalised) row, for tests and diagnostics. */
  readRow(row: number): Float32Array {
    return this.rows.slice(row * this.stride, row * this.stride + this.dim);
  }

  private scoresOffsetBytes(): number {
    return this.rowsOffsetBytes + this.capacity * this.stride * 4;
  }

  private bytesFor(capacity: number): number {
    return this.rowsOffsetBytes + capacity * this.stride * 4 + capacity * 4;
  }

  private remapViews(): void {
    const buffer = this.memory ? this.memory.buffer : this.buffer;
    this.query = new Float32Array(buffer, 0, this.stride);
    this.rows = new Float32Array(buffer, this.rowsOffsetBytes, this.capacity * this.stride);
    this.scores = new Float32Array(buffer, this.scoresOffsetBytes(), this.capacity);
  }
}

/** Writes embedding / |embedding| into target at offset. The norm is summed in float64 for stability. */
function normaliseInto(embedding: Float32Array, target: Float32Array, offset: number): void {
  let sumSq = 0;
  for (let j = 0; j < embedding.length; j++) sumSq += embedding[j]! * embedding[j]!;
  const inv = 1 / Math.sqrt(sumSq);
  for (let j = 0; j < embedding.length; j++) target[offset + j] = embedding[j]! * inv;
}

/**
 * Fallback when WebAssembly SIMD is unavailable. Four rows at a time share each query load, which is the
 * fastest plain-JavaScript form measured (about 1.5x a one-row loop).
 */
function dotAllJs(m: Float32Array, q: Float32Array, n: number, stride: number, dim: number, out: Float32Array): void {
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const o0 = r * stride;
    const o1 = o0 + stride;
    const o2 = o1 + stride;
    const o3 = o2 + stride;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (let j = 0; j < dim; j++) {
      const x = q[j]!;
      a += m[o0 + j]! * x;
      b += m[o1 + j]! * x;
      c += m[o2 + j]! * x;
      d += m[o3 + j]! * x;
    }
    out[r] = a;
    out[r + 1] = b;
    out[r + 2] = c;
    out[r + 3] = d;
  }
  for (; r < n; r++) {
    const o = r * stride;
    let s = 0;
    for (let j = 0; j < dim; j++) s += m[o + j]! * q[j]!;
    out[r] = s;
  }
}
