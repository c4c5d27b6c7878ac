// Which trained model (presence train) this station recognises with, and whether it may switch to one.
// A trained model is an embedding space of its own (engine/trained-head.ts: the base encoder, then its
// head), so switching moves the gallery the way a new shipped encoder does (reembed.ts): every template
// is embedded again from its stored face chip. A person without chips could not be moved, and would be
// left on the old space while everyone else moved, so a model is refused while anyone is in that case.
import { AppError, isAppError } from '../../shared/errors';
import type { TrainedModelInfo } from '../../shared/face';
import type { EncoderCensusRow, LoadedTemplate, Store } from '../db';
import {
  isKnownEncoder,
  readTrainedModel,
  trainedModelInfo,
  type EngineStartOptions,
  type FaceEngine,
  type TrainedModel,
} from '../engine';
import { planGallery, type GalleryPlan } from './reembed';

export interface ModelSelection {
  /** The selected model, readable and checked; null for the shipped encoder. */
  model: TrainedModel | null;
  /** Why the selected folder is not used (the shipped encoder runs instead); null when nothing is wrong. */
  error: string | null;
}

/** The model folder in the settings, read afresh (it lives outside the database and may have changed). */
export function selectedModel(dir: string | null): ModelSelection {
  if (!dir) return { model: null, error: null };
  try {
    return { model: readTrainedModel(dir), error: null };
  } catch (e) {
    const why = isAppError(e) ? e.message : String(e);
    return { model: null, error: `${why} Recognition uses the shipped encoder until this is fixed.` };
  }
}

/** The gallery's plan with this selection: its encoder becomes the default one (reembed.ts). */
export function galleryPlanFor(
  census: readonly EncoderCensusRow[],
  shippedEncoder: string,
  model: TrainedModel | null,
): GalleryPlan {
  const id = model?.manifest.id;
  return planGallery(census, id ?? shippedEncoder, (e) => isKnownEncoder(e) || e === id);
}

/** How to start the engine on the plan's encoder: the trained model's folder when it is the one. */
export function engineStartFor(plan: GalleryPlan, model: TrainedModel | null): EngineStartOptions {
  return model && plan.galleryEncoder === model.manifest.id
    ? { modelDir: model.dir }
    : { encoderId: plan.galleryEncoder };
}

/**
 * Checks a model before the settings take it: it must be a readable model folder, and every enrolled
 * person must be movable into its space (a template of it already, or a chip to embed again).
 */
export function checkModelChoice(
  dir: string,
  census: readonly EncoderCensusRow[],
  shippedEncoder: string,
): TrainedModel {
  let model: TrainedModel;
  try {
    model = readTrainedModel(dir);
  } catch (e) {
    if (isAppError(e)) throw new AppError(e.code, e.message, { path: 'trainedModel' });
    throw e;
  }
  const plan = galleryPlanFor(census, shippedEncoder, model);
  if (plan.galleryEncoder !== model.manifest.id)
    throw new AppError(
      'INVALID_INPUT',
      `${plan.withoutChips} enrolled ${plan.withoutChips === 1 ? 'person has' : 'people have'} no stored face chip, so their templates cannot be moved to the trained model ${model.manifest.id}: enroll them again first (their templates are of ${plan.galleryEncoder}).`,
      { path: 'trainedModel' },
    );
  return model;
}

/** What the settings screen shows of a folder before it is chosen. */
export function inspectModel(dir: string): TrainedModelInfo {
  return trainedModelInfo(readTrainedModel(dir));
}

/**
 * The station's gallery in the running engine's space, in memory only: every template embedded again
 * from its stored face chip, for trying a model (`presence identify --model`) without moving anyone's
 * templates. People with no readable chip are left out and counted.
 */
export async function galleryFromChips(
  store: Store,
  engine: FaceEngine,
): Promise<{ templates: LoadedTemplate[]; people: number; withoutChips: number }> {
  const target = engine.status().encoderId;
  if (!target) throw new AppError('ENGINE_UNAVAILABLE', 'The face engine is not running: start it first.');
  // Templates already in the target space are taken as they are; the others are embedded from their chips.
  const templates: LoadedTemplate[] = store.templates.loadAll(target);
  const ready = new Set(templates.map((t) => t.personId));
  const people = [...new Set(store.templates.encoderCensus().map((r) => r.personId))];
  let withoutChips = 0;
  for (const personId of people) {
    const rows = store.templates
      .othersWithChips(personId, target)
      .filter((r): r is { id: string; chip: Uint8Array } => r.chip !== null);
    let embedded: Float32Array[] = [];
    try {
      embedded = rows.length ? await engine.embedChips(rows.map((r) => r.chip)) : [];
    } catch (e) {
      if (!isAppError(e)) throw e; // a damaged chip: this person's other templates are left out
    }
    if (embedded.length === 0 && !ready.has(personId)) withoutChips++;
    embedded.forEach((embedding, i) => templates.push({ templateId: rows[i]!.id, personId, embedding }));
  }
  return { templates, people: people.length - withoutChips, withoutChips };
}
