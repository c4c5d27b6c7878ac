// Camera access and frame grabbing for the kiosk, the enrollment wizard and the settings preview.
import type { RgbaFrame } from '../../shared/face';

/** A grabbed frame; its pixels own a plain ArrayBuffer, as the contract's frame schema expects. */
export type GrabbedFrame = RgbaFrame & { rgba: Uint8Array<ArrayBuffer> };

export type CameraErrorCode = 'NO_CAMERA' | 'CAMERA_DENIED' | 'CAMERA_LOST' | 'CAMERA_INSECURE';

export class CameraError extends Error {
  readonly code: CameraErrorCode;
  constructor(code: CameraErrorCode, message = code) {
    super(message);
    this.code = code;
  }
}

/** Maps a getUserMedia failure onto the app's stable camera codes. */
export function cameraErrorCode(error: unknown): CameraErrorCode {
  if (error instanceof CameraError) return error.code;
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError')
    return 'CAMERA_DENIED';
  if (name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError') return 'CAMERA_LOST';
  return 'NO_CAMERA';
}

/**
 * Opens the camera chosen in settings (ideal 640x480). When that camera is gone, falls back to any camera
 * rather than showing nothing: a kiosk with another camera beats a kiosk with a black screen.
 */
export async function openCamera(deviceId: string | null): Promise<MediaStream> {
  // Browsers give the camera only to secure pages (https, or this computer's own address): a tablet that
  // opens `presence serve` over plain http on the network has a camera it may not use, which is not
  // "no camera" and needs another fix.
  if (typeof window !== 'undefined' && window.isSecureContext === false) throw new CameraError('CAMERA_INSECURE');
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!md?.getUserMedia) throw new CameraError('NO_CAMERA');
  const size = { width: { ideal: 640 }, height: { ideal: 480 } };
  if (deviceId) {
    try {
      return await md.getUserMedia({ video: { ...size, deviceId: { exact: deviceId } }, audio: false });
    } catch (e) {
      const name = e instanceof Error || e instanceof DOMException ? e.name : '';
      if (name !== 'OverconstrainedError' && name !== 'NotFoundError') throw new CameraError(cameraErrorCode(e));
    }
  }
  try {
    return await md.getUserMedia({ video: size, audio: false });
  } catch (e) {
    throw new CameraError(cameraErrorCode(e));
  }
}

export function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) {
    track.onended = null;
    track.stop();
  }
}

export async function listCameras(): Promise<MediaDeviceInfo[]> {
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!md?.enumerateDevices) return [];
  return (await md.enumerateDevices()).filter((d) => d.kind === 'videoinput');
}

/** Subscribes to camera plug/unplug; returns an unsubscribe function. */
export function onDeviceChange(listener: () => void): () => void {
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!md?.addEventListener) return () => {};
  md.addEventListener('devicechange', listener);
  return () => md.removeEventListener('devicechange', listener);
}

/** Draws the video onto an offscreen canvas (at most maxWidth wide) and reads its pixels. */
export class FrameGrabber {
  #canvas: HTMLCanvasElement | null = null;
  #ctx: CanvasRenderingContext2D | null = null;
  readonly maxWidth: number;

  constructor(maxWidth = 640) {
    this.maxWidth = maxWidth;
  }

  grab(video: HTMLVideoElement): GrabbedFrame | null {
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    if (!vw || !vh || video.readyState < 2) return null;
    const scale = Math.min(1, this.maxWidth / vw);
    const width = Math.max(16, Math.round(vw * scale));
    const height = Math.max(16, Math.round(vh * scale));
    const ctx = this.#context(width, height);
    if (!ctx) return null;
    ctx.drawImage(video, 0, 0, width, height);
    const data = ctx.getImageData(0, 0, width, height);
    return { width, height, rgba: new Uint8Array(data.data.buffer) };
  }

  /** A small JPEG of the last grabbed frame, for showing kept enrollment shots. */
  snapshot(maxWidth = 200): string | null {
    const src = this.#canvas;
    if (!src || !src.width) return null;
    const scale = Math.min(1, maxWidth / src.width);
    const small = document.createElement('canvas');
    small.width = Math.round(src.width * scale);
    small.height = Math.round(src.height * scale);
    small.getContext('2d')?.drawImage(src, 0, 0, small.width, small.height);
    return small.toDataURL('image/jpeg', 0.8);
  }

  #context(width: number, height: number): CanvasRenderingContext2D | null {
    if (!this.#canvas) {
      this.#canvas = document.createElement('canvas');
      this.#ctx = this.#canvas.getContext('2d', { willReadFrequently: true });
    }
    if (this.#canvas.width !== width) this.#canvas.width = width;
    if (this.#canvas.height !== height) this.#canvas.height = height;
    return this.#ctx;
  }
}

/**
 * Calls onFrame once per new video frame, but never while the previous call is still running:
 * frames that arrive meanwhile are skipped, so the newest frame wins and nothing queues.
 */
export function startFrameLoop(video: HTMLVideoElement, onFrame: () => Promise<void>): () => void {
  let stopped = false;
  let busy = false;
  const useVideoCallback = typeof video.requestVideoFrameCallback === 'function';
  const schedule = (): void => {
    if (stopped) return;
    if (useVideoCallback) video.requestVideoFrameCallback(tick);
    else requestAnimationFrame(tick);
  };
  const tick = (): void => {
    if (stopped) return;
    if (!busy) {
      busy = true;
      void onFrame()
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }
    schedule();
  };
  schedule();
  return () => {
    stopped = true;
  };
}
