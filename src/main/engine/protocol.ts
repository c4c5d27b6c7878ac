// Messages between the main thread and the engine worker. Errors cross as plain data and are rebuilt
// as AppError on the other side, so callers see the same codes as with the in-process engine.
import type { AppErrorData } from '../../shared/errors';
import type { AnalyzeResult, EngineBackend, EngineStatus } from '../../shared/face';
import type { AnalyzeInput, AnalyzeOptions } from './types';
import type { EvalEmbedding } from './types';

export type WorkerRequest =
  | { type: 'start'; id: number; modelsDir?: string; backend?: EngineBackend; encoderId?: string; modelDir?: string }
  | { type: 'analyze'; id: number; input: AnalyzeInput; options?: AnalyzeOptions }
  | { type: 'embedChips'; id: number; chips: Uint8Array[] }
  | { type: 'embedForEvaluation'; id: number; input: AnalyzeInput }
  | { type: 'stop'; id: number };

export type WorkerReply =
  | {
      type: 'reply';
      id: number;
      ok: true;
      value: EngineStatus | AnalyzeResult | EvalEmbedding | Float32Array[] | null;
    }
  | { type: 'reply'; id: number; ok: false; error: AppErrorData }
  | { type: 'status'; status: EngineStatus };

/** ArrayBuffers of the input that can be moved instead of copied (the caller gives them up). */
export function inputTransfers(input: AnalyzeInput): ArrayBuffer[] {
  const buf = input.kind === 'rgba' ? input.frame.rgba.buffer : input.kind === 'bytes' ? input.bytes.buffer : null;
  return buf instanceof ArrayBuffer ? [buf] : [];
}

export function resultTransfers(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a?: { buffer: ArrayBufferLike }) => {
    if (a && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  };
  if (Array.isArray(value)) for (const row of value as Float32Array[]) add(row);
  else if (value && typeof value === 'object') {
    if ('faces' in value)
      for (const f of (value as AnalyzeResult).faces) {
        add(f.embedding);
        add(f.thumbnailJpeg);
        add(f.chip);
      }
    if ('embedding' in value) add((value as EvalEmbedding).embedding);
  }
  return out;
}
