// Engine worker entry (bundled to dist/engine/worker.cjs): runs the in-process engine on its own thread
// so inference never blocks the main process's event loop.
import { parentPort } from 'node:worker_threads';
import { AppError, isAppError } from '../../shared/errors';
import { InProcessEngine } from './engine';
import { resultTransfers, type WorkerReply, type WorkerRequest } from './protocol';

if (!parentPort) throw new Error('engine worker must run in a worker thread');
const port = parentPort;
let engine: InProcessEngine | null = null;

function reply(msg: WorkerReply): void {
  port.postMessage(msg, msg.type === 'reply' && msg.ok ? resultTransfers(msg.value) : []);
}

port.on('message', async (req: WorkerRequest) => {
  try {
    let value;
    switch (req.type) {
      case 'start':
        engine ??= new InProcessEngine({ modelsDir: req.modelsDir, backend: req.backend });
        value = await engine.start({ encoderId: req.encoderId, modelDir: req.modelDir });
        break;
      case 'analyze':
        if (!engine) throw new AppError('ENGINE_UNAVAILABLE', 'The face engine is not running: start it first.');
        value = await engine.analyze(req.input, req.options);
        break;
      case 'embedChips':
        if (!engine) throw new AppError('ENGINE_UNAVAILABLE', 'The face engine is not running: start it first.');
        value = await engine.embedChips(req.chips);
        break;
      case 'embedForEvaluation':
        if (!engine) throw new AppError('ENGINE_UNAVAILABLE', 'The face engine is not running: start it first.');
        value = await engine.embedForEvaluation(req.input);
        break;
      case 'stop':
        await engine?.stop();
        engine = null;
        value = null;
        break;
    }
    reply({ type: 'reply', id: req.id, ok: true, value });
  } catch (e) {
    const err = isAppError(e)
      ? e
      : new AppError('ENGINE_FAILED', `The face engine failed: ${e instanceof Error ? e.message : String(e)}`);
    reply({ type: 'reply', id: req.id, ok: false, error: err.toData() });
  }
  if (engine) reply({ type: 'status', status: engine.status() });
});
