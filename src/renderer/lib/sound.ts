// A short confirmation tone made with WebAudio: no sound files to ship or load.
let context: AudioContext | null = null;

export function beep(kind: 'in' | 'out' | 'unknown' = 'in'): void {
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume();
    const notes = kind === 'in' ? [660, 880] : kind === 'out' ? [880, 660] : [330];
    const start = context.currentTime;
    notes.forEach((freq, i) => {
      const ctx = context as AudioContext;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      const t0 = start + i * 0.13;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.12);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.13);
    });
  } catch {
    // No audio device (or a test environment): the greeting on screen is enough.
  }
}
