import { CameraError, cameraErrorCode, onDeviceChange, openCamera, stopStream, type CameraErrorCode } from './camera';

/**
 * One open camera with automatic recovery: when there is no camera, permission is refused or the camera
 * is unplugged, it keeps trying every few seconds and as soon as the system reports a device change.
 */
export class CameraSession {
  stream = $state.raw<MediaStream | null>(null);
  error = $state<CameraErrorCode | null>(null);
  #deviceId: string | null;
  #retryMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #unsubscribe: (() => void) | null = null;
  #stopped = true;
  #opening = false;

  constructor(deviceId: string | null, retryMs = 3000) {
    this.#deviceId = deviceId;
    this.#retryMs = retryMs;
  }

  start(): void {
    this.#stopped = false;
    this.#unsubscribe ??= onDeviceChange(() => {
      if (this.error) this.retry();
    });
    void this.#open();
  }

  retry(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    void this.#open();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    stopStream(this.stream);
    this.stream = null;
  }

  async #open(): Promise<void> {
    if (this.#opening || this.#stopped) return;
    this.#opening = true;
    try {
      const stream = await openCamera(this.#deviceId);
      if (this.#stopped) {
        stopStream(stream);
        return;
      }
      for (const track of stream.getVideoTracks()) {
        track.onended = () => this.#lost(new CameraError('CAMERA_LOST'));
      }
      stopStream(this.stream);
      this.stream = stream;
      this.error = null;
    } catch (e) {
      this.#lost(e);
    } finally {
      this.#opening = false;
    }
  }

  #lost(e: unknown): void {
    stopStream(this.stream);
    this.stream = null;
    this.error = cameraErrorCode(e);
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#open();
    }, this.#retryMs);
  }
}
