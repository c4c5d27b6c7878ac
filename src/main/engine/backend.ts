// Picks the fastest TF.js backend that loads here: native tfjs-node, else WASM (SIMD), else plain JS.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { EngineBackend } from '../../shared/face';
import { resolveWasmDir } from './paths';

let active: EngineBackend | null = null;

async function tryTensorflow(): Promise<boolean> {
  try {
    // Optional dependency: its native libtensorflow is often missing, so a failed require is normal.
    createRequire(import.meta.url)('@tensorflow/tfjs-node');
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    setWasmPaths(resolveWasmDir());
    // Threads would need cross-origin isolation in a browser and workers in node; one thread per engine
    // keeps the other core free for the UI and the main process.
    const { setThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
    setThreadsCount(Math.max(1, Math.min(2, os.cpus().length - 1)));
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

export async function initBackend(preferred?: EngineBackend): Promise<EngineBackend> {
  if (active && (!preferred || preferred === active)) return active;
  const order: EngineBackend[] = preferred ? [preferred] : ['tensorflow', 'wasm', 'cpu'];
  for (const b of order) {
    const ok = b === 'tensorflow' ? await tryTensorflow() : b === 'wasm' ? await tryWasm() : await tf.setBackend('cpu');
    if (ok) {
      await tf.ready();
      active = b;
      return b;
    }
  }
  throw new Error(`no TF.js backend could be started (tried ${order.join(', ')})`);
}

export function activeBackend(): EngineBackend | null {
  return active;
}
