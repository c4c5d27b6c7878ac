// How a long CLI command shows how far it got, on stderr so that stdout (and its --json line) stays clean.
import { SingleBar, Presets } from 'cli-progress';

export interface ProgressBar {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A bar on a terminal; otherwise a plain line at every tenth of the way (logs, scripts). `unit` follows the
 * count ("12/300 templates").
 */
export function progressBar(label: string, unit = ''): ProgressBar {
  const counted = unit ? ` ${unit}` : '';
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${label} {bar} {value}/{total}${counted}`, stream: process.stderr },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) bar.start(total, done);
        else bar.update(done);
        started = true;
      },
      stop: () => {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let shown = -1;
  return {
    update(done, total) {
      const step = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (step === shown) return;
      shown = step;
      process.stderr.write(`${label} ${done}/${total}${counted}\n`);
    },
    stop: () => undefined,
  };
}

/** "label done/total" overwritten in place on a terminal, at most every `everyMs`; nothing in a pipe or a file. */
export function progressLine(label: string, everyMs = 500): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (process.stderr.isTTY && (now - last > everyMs || done === total)) {
      last = now;
      process.stderr.write(`\r${label} ${done}/${total}${done === total ? '\n' : ''}`);
    }
  };
}
