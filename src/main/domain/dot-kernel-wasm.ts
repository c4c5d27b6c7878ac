// A hand-assembled WebAssembly SIMD kernel for the one loop that dominates 1:N search:
// the dot products of one query with every row of a row-major float32 matrix.
//
// Why hand-assembled: scalar JavaScript does about 2.5 GB/s of float32 multiply-adds on the target
// machine (22 ms for 100,000 x 128), WASM SIMD is bound by memory bandwidth instead (about 9 ms), and the
// kernel is 20 instructions, which does not justify a compiler toolchain in the build. The bytes are
// produced by the small encoder below, so every instruction is readable here.
//
// Exported function, in WAT terms:
//   (func (export "dots") (param $rows i32) (param $query i32) (param $n i32) (param $strideBytes i32) (param $out i32))
// For r in 0..n-1: f32 out[r] = sum_j rows[r*stride + j] * query[j]. Requirements (callers guarantee):
// strideBytes is a positive multiple of 64 (16 floats, zero-padded past the real dimension), and all
// three regions lie inside the imported memory `env.memory`.

const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f32Store: 0x38,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  f32Add: 0x92,
  simd: 0xfd,
  voidBlockType: 0x40,
} as const;

// SIMD sub-opcodes follow the 0xfd prefix as unsigned LEB128.
const SIMD = {
  v128Load: [0x00],
  v128Const: [0x0c],
  f32x4ExtractLane: [0x1f],
  f32x4Add: [0xe4, 0x01],
  f32x4Mul: [0xe6, 0x01],
} as const;

const TYPE = { i32: 0x7f, v128: 0x7b, func: 0x60 } as const;

// Locals: params 0..4, then i32 rowEnd, queryPtr, outEnd, then four v128 accumulators.
const L = { rows: 0, query: 1, n: 2, strideBytes: 3, out: 4, rowEnd: 5, queryPtr: 6, outEnd: 7, acc0: 8 } as const;

function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

function sleb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
const simd = (op: readonly number[], ...immediates: number[]): number[] => [OP.simd, ...op, ...immediates];
const get = (local: number): number[] => [OP.localGet, local];
const set = (local: number): number[] => [OP.localSet, local];
const tee = (local: number): number[] => [OP.localTee, local];
const i32 = (value: number): number[] => [OP.i32Const, ...sleb(value)];
// memarg: alignment exponent (4 = 16 bytes, a hint only) and byte offset.
const load128 = (offset: number): number[] => simd(SIMD.v128Load, 4, ...uleb(offset));

/** acc_k += rows[ptr + 16k .. +16) * query[ptr + 16k .. +16) */
function multiplyAccumulate(k: number): number[] {
  const acc = L.acc0 + k;
  return [
    ...get(acc),
    ...get(L.rows),
    ...load128(16 * k),
    ...get(L.queryPtr),
    ...load128(16 * k),
    ...simd(SIMD.f32x4Mul),
    ...simd(SIMD.f32x4Add),
    ...set(acc),
  ];
}

function kernelBody(): number[] {
  const [a0, a1, a2, a3] = [L.acc0, L.acc0 + 1, L.acc0 + 2, L.acc0 + 3];
  // prettier-ignore
  const code = [
    // outEnd = out + 4n
    ...get(L.out), ...get(L.n), ...i32(4), OP.i32Mul, OP.i32Add, ...set(L.outEnd),
    OP.block, OP.voidBlockType,
    OP.loop, OP.voidBlockType, // one iteration per row
    ...get(L.out), ...get(L.outEnd), OP.i32GeU, OP.brIf, 1,
    ...simd(SIMD.v128Const, ...new Array<number>(16).fill(0)), ...tee(a0), ...tee(a1), ...tee(a2), ...set(a3),
    ...get(L.query), ...set(L.queryPtr),
    ...get(L.rows), ...get(L.strideBytes), OP.i32Add, ...set(L.rowEnd),
    OP.loop, OP.voidBlockType, // 16 floats per iteration into four independent accumulators
    ...multiplyAccumulate(0), ...multiplyAccumulate(1), ...multiplyAccumulate(2), ...multiplyAccumulate(3),
    ...get(L.rows), ...i32(64), OP.i32Add, ...tee(L.rows),
    ...get(L.queryPtr), ...i32(64), OP.i32Add, ...set(L.queryPtr),
    ...get(L.rowEnd), OP.i32LtU, OP.brIf, 0,
    OP.end,
    // out[r] = horizontal sum of (a0 + a1) + (a2 + a3)
    ...get(L.out),
    ...get(a0), ...get(a1), ...simd(SIMD.f32x4Add), ...get(a2), ...get(a3), ...simd(SIMD.f32x4Add), ...simd(SIMD.f32x4Add), ...tee(a0),
    ...simd(SIMD.f32x4ExtractLane, 0), ...get(a0), ...simd(SIMD.f32x4ExtractLane, 1), OP.f32Add,
    ...get(a0), ...simd(SIMD.f32x4ExtractLane, 2), OP.f32Add, ...get(a0), ...simd(SIMD.f32x4ExtractLane, 3), OP.f32Add,
    OP.f32Store, 2, 0,
    ...get(L.out), ...i32(4), OP.i32Add, ...set(L.out),
    OP.br, 0,
    OP.end,
    OP.end,
    OP.end, // function
  ];
  const locals = [2, 3, TYPE.i32, 4, TYPE.v128];
  return [...locals, ...code];
}

function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const body = kernelBody();
  // prettier-ignore
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [1, TYPE.func, 5, TYPE.i32, TYPE.i32, TYPE.i32, TYPE.i32, TYPE.i32, 0]), // type: (i32 x5) -> ()
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]), // import memory, min 1 page
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, ...name('dots'), 0x00, 0x00]), // export it as "dots"
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** Bytes per row must be a multiple of this for the kernel. */
export const KERNEL_ROW_ALIGN_BYTES = 64;
export const WASM_PAGE_BYTES = 65536;

export type DotsFunction = (rowsPtr: number, queryPtr: number, n: number, strideBytes: number, outPtr: number) => void;

// The project's main-process typings (lib ES2023 + @types/node 20) do not describe the WebAssembly
// global, so the small part used here is declared locally and reached through globalThis.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
}
const wasm: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * A linear memory of at least `bytes` bytes with the dot kernel instantiated over it, or null where
 * WebAssembly or its SIMD extension is not available (callers fall back to JavaScript).
 */
export function createDotKernel(bytes: number): { memory: WasmMemory; dots: DotsFunction } | null {
  if (!wasm) return null;
  const code = kernelModuleBytes();
  if (!wasm.validate(code)) return null;
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES)) });
  const instance = new wasm.Instance(new wasm.Module(code), { env: { memory } });
  return { memory, dots: instance.exports['dots'] as DotsFunction };
}
