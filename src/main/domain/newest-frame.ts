// "The newest frame wins", once for every camera that feeds main: a kiosk screen (kiosk-stations.ts)
// and an enrollment wizard (enrollment.ts). A camera sends frames faster than the engine judges them; judging
// each in turn would answer a person with what they did seconds ago, and the queue would grow without
// bound. So one frame of a camera is in the engine at a time, and only the newest one waits behind it:
// a frame that a newer one replaces is answered at once with `replaced(frame)` (nothing judged).
//
// The renderer also skips frames while one is on its way (renderer/lib/camera.ts), but only to spare the
// wire: main cannot trust a screen to do so, and a tablet on a slow network still sends faster than a
// slow engine judges. The engine itself runs one call at a time and queues nothing of its own.

export class NewestFrameLane<F, R> {
  private running = false;
  private waiting: { frame: F; resolve: (r: R) => void; reject: (e: unknown) => void } | null = null;

  constructor(
    private readonly judge: (frame: F) => Promise<R>,
    private readonly replaced: (frame: F) => R,
    /** Called when the lane has nothing in the engine and nothing waiting. */
    private readonly onIdle: () => void = () => undefined,
  ) {}

  /** A frame of this camera is in the engine. */
  get busy(): boolean {
    return this.running;
  }

  /** Judges the frame now, or after the one in the engine unless a newer frame replaces it first. */
  submit(frame: F): Promise<R> {
    if (!this.running) return this.run(frame);
    return new Promise<R>((resolve, reject) => {
      const stale = this.waiting;
      this.waiting = { frame, resolve, reject };
      stale?.resolve(this.replaced(stale.frame));
    });
  }

  private async run(frame: F): Promise<R> {
    this.running = true;
    try {
      return await this.judge(frame);
    } finally {
      const next = this.waiting;
      this.waiting = null;
      if (next) void this.run(next.frame).then(next.resolve, next.reject);
      else {
        this.running = false;
        this.onIdle();
      }
    }
  }
}
