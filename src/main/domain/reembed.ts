// Moving the gallery to another encoder. Every template keeps its aligned face chip, so a new encoder can
// embed everyone again from the chips instead of asking them back to the camera. Templates enrolled
// before chips were kept cannot be moved: a person with only such templates keeps the whole gallery on
// their older encoder (one gallery never mixes encoders) until they are enrolled again.
import { AppError, isAppError } from '../../shared/errors';
import type { Actor, EncoderCensusRow, Store } from '../db';
import type { FaceEngine } from '../engine';

/** What a damaged chip fails with (engine/chip.ts, image.ts), as opposed to an engine that is down. */
const CHIP_PROBLEMS = new Set(['INTERNAL', 'IMAGE_CORRUPT', 'IMAGE_UNSUPPORTED', 'IMAGE_TOO_LARGE']);

export interface GalleryPlan {
  /** The encoder whose templates the gallery holds: the engine runs this one. */
  galleryEncoder: string;
  /** The encoder the engine would run by itself (the shipped one, or PRESENCE_ENCODER). */
  defaultEncoder: string;
  /** People who have no template of the default encoder and no face chip to make one from. */
  withoutChips: number;
  /** Templates of other encoders with a chip: re-embedded into galleryEncoder before the gallery loads. */
  toReembed: number;
  /** Chipless templates of other encoders whose person has usable ones: deleted when the others move. */
  toDrop: number;
}

/**
 * People who cannot be moved to `target`: none of their templates is of it and none keeps a chip.
 * Someone enrolled again (with chips) is movable; their older chipless templates are then dropped.
 */
export function peopleWithoutChips(census: readonly EncoderCensusRow[], target: string): Set<string> {
  const movable = new Set(census.filter((r) => r.modelId === target || r.withChip > 0).map((r) => r.personId));
  return new Set(census.filter((r) => !movable.has(r.personId)).map((r) => r.personId));
}

/**
 * Which encoder the gallery uses. The default, when every enrolled person has a template of it or a face
 * chip to make one from; otherwise the older encoder most of the others were enrolled with, until they are
 * enrolled again. An encoder this version cannot run is never kept (its people are counted in withoutChips).
 */
export function planGallery(
  census: readonly EncoderCensusRow[],
  defaultEncoder: string,
  canRun: (encoderId: string) => boolean = () => true,
): GalleryPlan {
  const stuck = peopleWithoutChips(census, defaultEncoder);
  let galleryEncoder = defaultEncoder;
  if (stuck.size > 0) {
    const held = new Map<string, number>();
    for (const r of census)
      if (stuck.has(r.personId) && canRun(r.modelId)) held.set(r.modelId, (held.get(r.modelId) ?? 0) + r.templates);
    const [most] = [...held].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (most) galleryEncoder = most[0];
  }
  const stuckInGallery = peopleWithoutChips(census, galleryEncoder);
  let toReembed = 0;
  let toDrop = 0;
  for (const r of census) {
    if (r.modelId === galleryEncoder || stuckInGallery.has(r.personId)) continue;
    toReembed += r.withChip;
    toDrop += r.templates - r.withChip;
  }
  return { galleryEncoder, defaultEncoder, withoutChips: stuck.size, toReembed, toDrop };
}

export interface ReembedResult {
  /** The encoder the templates now belong to (the engine's). */
  encoderId: string;
  /** Templates embedded again from their chips. */
  reembedded: number;
  /** People whose templates were moved. */
  people: number;
  /** Chipless templates of other encoders deleted because their person kept usable ones. */
  dropped: number;
  /** Chips that could not be embedded (damaged): their templates stay as they were. */
  failed: number;
  /** People left on another encoder: no template of this one and no chip (see planGallery). */
  withoutChips: number;
}

export class ReembedService {
  constructor(private readonly deps: { store: Store; engine: FaceEngine }) {}

  /**
   * Embeds again, with the running engine's encoder, every template of another encoder that keeps its
   * chip, one transaction and one audit entry per person. `onProgress(done, total)` counts templates.
   */
  async run(
    options: { actor: Actor; onProgress?: (done: number, total: number) => void } = { actor: 'system' },
  ): Promise<ReembedResult> {
    const { store, engine } = this.deps;
    const status = engine.status();
    if (status.state !== 'ready' || !status.encoderId)
      throw new AppError('ENGINE_UNAVAILABLE', 'The face engine is not running: start it first.');
    const target = status.encoderId;
    const census = store.templates.encoderCensus();
    const stuck = peopleWithoutChips(census, target);
    const people = [
      ...new Set(census.filter((r) => r.modelId !== target && !stuck.has(r.personId)).map((r) => r.personId)),
    ];
    const total = census
      .filter((r) => r.modelId !== target && !stuck.has(r.personId))
      .reduce((n, r) => n + r.withChip, 0);
    const result: ReembedResult = {
      encoderId: target,
      reembedded: 0,
      people: 0,
      dropped: 0,
      failed: 0,
      withoutChips: stuck.size,
    };
    let done = 0;
    options.onProgress?.(done, total);
    for (const personId of people) {
      const rows = store.templates.othersWithChips(personId, target);
      const withChip = rows.filter((r): r is { id: string; chip: Uint8Array } => r.chip !== null);
      const embedded = await this.embed(
        withChip.map((r) => r.chip),
        status.embeddingSize,
      );
      const replaced = withChip.flatMap((r, i) => (embedded[i] ? [{ templateId: r.id, embedding: embedded[i] }] : []));
      result.failed += withChip.length - replaced.length + rows.filter((r) => r.unreadable).length;
      // Chipless templates go only once the person has templates of the new encoder to be recognised by.
      const keepsSome = replaced.length > 0 || census.some((r) => r.personId === personId && r.modelId === target);
      const drop = keepsSome ? rows.filter((r) => r.chip === null && !r.unreadable).map((r) => r.id) : [];
      const moved = store.templates.reembed(personId, target, replaced, drop, options.actor);
      result.reembedded += moved.added.length;
      result.dropped += moved.dropped;
      if (moved.added.length + moved.dropped > 0) result.people++;
      done += withChip.length;
      options.onProgress?.(done, total);
    }
    return result;
  }

  /** One engine call for the person's chips; a damaged chip is found by embedding them one by one. */
  private async embed(chips: Uint8Array[], dim: number | null): Promise<(Float32Array | null)[]> {
    if (chips.length === 0) return [];
    const valid = (e: Float32Array | undefined): Float32Array | null =>
      e && (dim === null || e.length === dim) ? e : null;
    try {
      return (await this.deps.engine.embedChips(chips)).map(valid);
    } catch (e) {
      if (!isAppError(e) || !CHIP_PROBLEMS.has(e.code)) throw e;
      if (chips.length === 1) return [null];
      const out: (Float32Array | null)[] = [];
      for (const chip of chips) out.push(...(await this.embed([chip], dim)));
      return out;
    }
  }
}
