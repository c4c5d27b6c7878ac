// A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): every change a station makes
// gets a timestamp that is at least its wall clock, greater than every timestamp the station made or saw
// before, and totally ordered across stations (ties broken by the station's id). Last-writer-wins by this
// timestamp therefore never lets an edit lose to one its station had already seen, whatever the stations'
// clocks say: a station an hour behind that pulls a change stamped by a station an hour ahead stamps its
// own next change after it.
//
// Text form, which sorts as the clock does: 13 digits of ms since 1970, '.', 6 digits of logical
// counter, '.', the station id. Example: 1764950400000.000003.7f3a...
export interface HlcStamp {
  ms: number;
  counter: number;
  station: string;
}

const MS_DIGITS = 13;
const COUNTER_DIGITS = 6;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
/** A remote stamp further ahead of this clock than this is refused: a station whose clock is days off. */
export const MAX_DRIFT_MS = 24 * 60 * 60 * 1000;

export function formatHlc(s: HlcStamp): string {
  return `${String(s.ms).padStart(MS_DIGITS, '0')}.${String(s.counter).padStart(COUNTER_DIGITS, '0')}.${s.station}`;
}

const PATTERN = new RegExp(`^(\\d{${MS_DIGITS}})\\.(\\d{${COUNTER_DIGITS}})\\.([0-9a-f-]{1,64})$`);

export function parseHlc(text: string): HlcStamp | null {
  const m = PATTERN.exec(text);
  return m ? { ms: Number(m[1]), counter: Number(m[2]), station: m[3]! } : null;
}

/** The clock of one station. `last` is the greatest stamp it issued or received (persisted by the caller). */
export class HybridLogicalClock {
  #ms: number;
  #counter: number;

  constructor(
    readonly station: string,
    last: string | null,
    private readonly now: () => number = Date.now,
  ) {
    const p = last ? parseHlc(last) : null;
    this.#ms = p?.ms ?? 0;
    this.#counter = p?.counter ?? 0;
  }

  /** A stamp for a change made here, now. */
  tick(): string {
    return this.stampAt(this.now());
  }

  /**
   * A stamp for a change made here at `pt` (ms since 1970; a change stamped when it is pushed, from the
   * time it was made): after every stamp issued or received so far.
   */
  stampAt(pt: number): string {
    if (!Number.isFinite(pt)) pt = this.now();
    if (pt > this.#ms) {
      this.#ms = pt;
      this.#counter = 0;
    } else this.bump();
    return this.current();
  }

  /**
   * Takes in a stamp received from another station, so that every later tick() is after it. A stamp
   * that is not a clock's, or is more than a day ahead of this station's clock, is not taken in (false):
   * one station with a clock far off must not drag every other clock along (the hub refuses such stamps
   * when they are pushed).
   */
  receive(stamp: string): boolean {
    const r = parseHlc(stamp);
    if (!r || r.ms - this.now() > MAX_DRIFT_MS) return false;
    if (r.ms > this.#ms) {
      this.#ms = r.ms;
      this.#counter = r.counter;
    } else if (r.ms === this.#ms && r.counter > this.#counter) this.#counter = r.counter;
    return true;
  }

  /** The greatest stamp issued or received so far (what to persist). */
  current(): string {
    return formatHlc({ ms: this.#ms, counter: this.#counter, station: this.station });
  }

  private bump(): void {
    if (this.#counter < MAX_COUNTER) this.#counter++;
    else {
      // A million stamps in one millisecond: borrow the next millisecond rather than wrap.
      this.#ms++;
      this.#counter = 0;
    }
  }
}

/** Orders two stamps: negative when a is earlier. */
export function compareHlc(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
