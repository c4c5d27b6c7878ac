// Exact 1:N and 1:1 face matching over an in-memory gallery of templates.
//
// Every template is stored L2-normalised as one row of a single contiguous float32 matrix
// (gallery-matrix.ts). A person is scored by the CENTROID of their templates (the mean of their unit
// templates, renormalised: a robust mean), kept as one row per person of a second contiguous
// matrix and updated on every add and removal. A search is one linear pass of dot products over the
// people; for unit vectors |a - b|^2 = 2 - 2 a.b, so the nearest centroid has the largest dot product,
// and the distances reported for the winners are recomputed exactly from the differences.
//
// Why the centroid and not the nearest template: averaging a person's shots cancels much of what is
// particular to one shot (light, pose, expression), so strangers come less close. On LFW ident-dev
// (bench/ident-scoring.ts, 3 templates per person) it halves the false-negative rate at a 1 % false-positive
// rate (15.3 % -> 8.5 %) and raises rank-1 (98.0 % -> 98.3 %). With one template it is that template.
//
// Open-set decision: the best person is accepted only when their distance is at most alpha AND the best
// OTHER person is at least `margin` farther; otherwise the face is "unknown". The gallery review and
// FaceIndex.calibrate measure distances the same way (by centroid).

import { AppError } from '../../shared/errors';
import { GalleryMatrix, type DotBackend } from './gallery-matrix';

export interface MatchOptions {
  /** Largest accepted Euclidean distance between unit vectors (0..2), chosen by calibration. */
  alpha: number;
  /** The best other identity must be at least this much farther than the best one. */
  margin: number;
}

export type MatchReason = 'accepted' | 'above_threshold' | 'ambiguous' | 'empty';

export interface MatchDecision {
  /**
   * Nearest person, whether accepted or not (callers need the candidate for duplicate warnings and
   * evaluation); null only when the gallery is empty. Act on it only when `accepted` is true.
   */
  personId: string | null;
  /** Distance to `personId`'s centroid; Infinity when the gallery is empty. */
  distance: number;
  /** Nearest person other than `personId`; null when there is none. */
  secondPersonId: string | null;
  /** Infinity when there is no other person. */
  secondDistance: number;
  accepted: boolean;
  /** Why: `above_threshold` takes precedence over `ambiguous` when both apply. */
  reason: MatchReason;
}

export interface TemplateRow {
  templateId: string;
  personId: string;
  embedding: Float32Array;
}

const INITIAL_PERSON_SLOTS = 64;
/** A person whose templates cancel out (never seen with faces) is scored by one of their templates instead. */
export const MIN_CENTROID_NORM = 1e-6;

export class Matcher {
  readonly dim: number;

  // Row r of the gallery belongs to templateIds[r] and person index rowPerson[r]. Rows 0..count-1 are
  // live; removal moves the last row into the hole, so there are never gaps.
  private readonly matrix: GalleryMatrix;
  private count = 0;
  private templateIds: string[] = [];
  private rowPerson = new Int32Array(0);
  private rowOfTemplate = new Map<string, number>();

  // People are interned to small integers: person index p owns row p of `centroids` and the float64 sum
  // of their unit templates at sums[p*dim ..]. An index is recycled once its person has no templates left.
  private personIndex = new Map<string, number>();
  private personIdOf: string[] = [];
  private templatesOfPerson: number[] = [];
  private freePersonIndices: number[] = [];
  private readonly centroids: GalleryMatrix;
  private sums = new Float64Array(0);

  /** `backend` is for tests and benchmarks; 'auto' uses WebAssembly SIMD where available. */
  constructor(dim: number, backend: 'auto' | DotBackend = 'auto') {
    if (!Number.isInteger(dim) || dim <= 0) {
      throw new AppError('INVALID_INPUT', `Embedding dimension must be a positive integer, got ${dim}.`);
    }
    this.dim = dim;
    // The templates are only stored and read back (centroids are rebuilt from them, a person without a
    // usable centroid is scored by one of them): no dot product is taken over them, so they need no kernel.
    this.matrix = new GalleryMatrix(dim, 'js');
    this.centroids = new GalleryMatrix(dim, backend);
    this.sums = new Float64Array(INITIAL_PERSON_SLOTS * dim);
    this.reserve(1);
  }

  /** Number of templates. */
  get size(): number {
    return this.count;
  }

  /** How the dot products are computed: 'wasm-simd' or the plain 'js' fallback. */
  get backend(): DotBackend {
    return this.centroids.backend;
  }

  /** Adds one template; the embedding is copied and L2-normalised. A template id may be added only once. */
  add(templateId: string, personId: string, embedding: Float32Array): void {
    if (this.rowOfTemplate.has(templateId)) {
      throw new AppError('CONFLICT', `Template ${templateId} is already in the matcher.`);
    }
    this.checkEmbedding(embedding, `template ${templateId}`);
    this.reserve(this.count + 1);
    this.writeRow(this.count, templateId, personId, embedding);
    this.count++;
    this.refreshCentroid(this.rowPerson[this.count - 1]);
  }

  /**
   * Replaces the whole gallery. All rows are checked before anything changes, so a bad row leaves the
   * matcher as it was.
   */
  load(rows: Iterable<TemplateRow>): void {
    const list = Array.from(rows);
    const seen = new Set<string>();
    for (const row of list) {
      if (seen.has(row.templateId)) {
        throw new AppError('CONFLICT', `Template ${row.templateId} appears twice.`);
      }
      seen.add(row.templateId);
      this.checkEmbedding(row.embedding, `template ${row.templateId}`);
    }
    // Room first: if memory cannot grow, the old gallery is still intact.
    this.reserve(list.length);
    this.reservePersonSlots(new Set(list.map((r) => r.personId)).size);
    this.clear();
    for (let r = 0; r < list.length; r++) {
      const row = list[r];
      this.writeRow(r, row.templateId, row.personId, row.embedding);
    }
    this.count = list.length;
    for (let p = 0; p < this.personIdOf.length; p++) this.refreshCentroid(p);
  }

  /** Returns false when the template is not in the gallery. */
  removeTemplate(templateId: string): boolean {
    const row = this.rowOfTemplate.get(templateId);
    if (row === undefined) return false;
    const p = this.rowPerson[row];
    this.accumulate(p, row, -1);
    this.releasePerson(p);
    this.rowOfTemplate.delete(templateId);

    const last = this.count - 1;
    if (row !== last) {
      this.matrix.moveRow(last, row);
      const movedId = this.templateIds[last];
      this.templateIds[row] = movedId;
      this.rowPerson[row] = this.rowPerson[last];
      this.rowOfTemplate.set(movedId, row);
    }
    this.templateIds.length = last;
    this.count = last;
    if (this.templatesOfPerson[p] > 0) this.refreshCentroid(p);
    return true;
  }

  /** Removes every template of the person; returns how many were removed. */
  removePerson(personId: string): number {
    const p = this.personIndex.get(personId);
    if (p === undefined) return 0;
    const doomed: string[] = [];
    for (let r = 0; r < this.count; r++) {
      if (this.rowPerson[r] === p) doomed.push(this.templateIds[r]);
    }
    for (const templateId of doomed) this.removeTemplate(templateId);
    return doomed.length;
  }

  /** Empties the gallery. Memory already reserved is kept for the next load. */
  clear(): void {
    this.count = 0;
    this.templateIds = [];
    this.rowOfTemplate.clear();
    this.personIndex.clear();
    this.personIdOf = [];
    this.templatesOfPerson = [];
    this.freePersonIndices = [];
  }

  identify(embedding: Float32Array, options: MatchOptions): MatchDecision {
    checkOptions(options);
    this.loadQuery(embedding);
    if (this.count === 0) {
      return {
        personId: null,
        distance: Infinity,
        secondPersonId: null,
        secondDistance: Infinity,
        accepted: false,
        reason: 'empty',
      };
    }
    const dots = this.centroids.dotAll(this.personIdOf.length);
    let best = -1;
    let second = -1;
    let bestDot = -Infinity;
    let secondDot = -Infinity;
    for (let p = 0; p < this.personIdOf.length; p++) {
      if (this.templatesOfPerson[p] === 0) continue;
      const d = dots[p];
      if (d > bestDot) {
        second = best;
        secondDot = bestDot;
        best = p;
        bestDot = d;
      } else if (d > secondDot) {
        second = p;
        secondDot = d;
      }
    }

    let distance = this.centroids.distanceToRow(best);
    let secondDistance = second < 0 ? Infinity : this.centroids.distanceToRow(second);
    // The ranking used float32 dot products; when two people are within rounding of each other the
    // exact distances decide which one is reported first.
    if (secondDistance < distance) {
      [best, second] = [second, best];
      [distance, secondDistance] = [secondDistance, distance];
    }
    let reason: MatchReason = 'accepted';
    if (!(distance <= options.alpha)) reason = 'above_threshold';
    else if (!(secondDistance - distance >= options.margin)) reason = 'ambiguous';
    return {
      personId: this.personIdOf[best],
      distance,
      secondPersonId: second < 0 ? null : this.personIdOf[second],
      secondDistance,
      accepted: reason === 'accepted',
      reason,
    };
  }

  /** 1:1 check against one person's centroid; an unknown person gives distance Infinity, not accepted. */
  verify(
    embedding: Float32Array,
    personId: string,
    options: Pick<MatchOptions, 'alpha'>,
  ): { distance: number; accepted: boolean } {
    checkOptions({ alpha: options.alpha, margin: 0 });
    this.loadQuery(embedding);
    const p = this.personIndex.get(personId);
    if (p === undefined) return { distance: Infinity, accepted: false };
    const distance = this.centroids.distanceToRow(p);
    return { distance, accepted: distance <= options.alpha };
  }

  /** The k nearest people (each scored by their centroid), nearest first. */
  topK(embedding: Float32Array, k: number): Array<{ personId: string; distance: number }> {
    if (!Number.isInteger(k) || k < 0) {
      throw new AppError('INVALID_INPUT', `k must be a non-negative integer, got ${k}.`);
    }
    this.loadQuery(embedding);
    if (this.count === 0 || k === 0) return [];
    const dots = this.centroids.dotAll(this.personIdOf.length);
    const candidates: Array<{ p: number; dot: number }> = [];
    for (let p = 0; p < this.personIdOf.length; p++) {
      if (this.templatesOfPerson[p] > 0) candidates.push({ p, dot: dots[p] });
    }
    candidates.sort((a, b) => b.dot - a.dot);
    return candidates
      .slice(0, k)
      .map(({ p }) => ({ personId: this.personIdOf[p], distance: this.centroids.distanceToRow(p) }));
  }

  personIds(): string[] {
    return Array.from(this.personIndex.keys());
  }

  /** Number of people with at least one template. */
  get people(): number {
    return this.personIndex.size;
  }

  /**
   * For the template rows [start, end): the nearest OTHER person's centroid, scored exactly as a probe
   * of that template would be. The gallery review (gallery-review.ts) calls it in chunks.
   */
  nearestOtherPerson(start: number, end: number): Array<{ personId: string; otherId: string; distance: number }> {
    const out: Array<{ personId: string; otherId: string; distance: number }> = [];
    for (let r = start; r < Math.min(end, this.count); r++) {
      const own = this.rowPerson[r];
      const best = this.nearestCentroid(this.matrix.readRow(r), own);
      if (best) out.push({ personId: this.personIdOf[own], otherId: this.personIdOf[best.p], distance: best.distance });
    }
    return out;
  }

  /** For the people in [start, end) of personIds(): the nearest other person's centroid to their own centroid. */
  nearestOtherCentroid(start: number, end: number): Array<{ personId: string; otherId: string; distance: number }> {
    const ids = this.personIds();
    const out: Array<{ personId: string; otherId: string; distance: number }> = [];
    for (const id of ids.slice(start, end)) {
      const p = this.personIndex.get(id);
      if (p === undefined) continue; // personIds() lists only people in the index
      const best = this.nearestCentroid(this.centroids.readRow(p), p);
      if (best) out.push({ personId: id, otherId: this.personIdOf[best.p], distance: best.distance });
    }
    return out;
  }

  /** Template rows in the gallery, for chunked reviews. */
  get rows(): number {
    return this.count;
  }

  private nearestCentroid(query: Float32Array, skip: number): { p: number; distance: number } | null {
    this.centroids.setQuery(query);
    const dots = this.centroids.dotAll(this.personIdOf.length);
    let best = -1;
    for (let p = 0; p < this.personIdOf.length; p++) {
      if (p === skip || this.templatesOfPerson[p] === 0) continue;
      if (best < 0 || dots[p] > dots[best]) best = p;
    }
    return best < 0 ? null : { p: best, distance: this.centroids.distanceToRow(best) };
  }

  // --- internals ---------------------------------------------------------------------------------

  /** Adds (sign 1) or subtracts (sign -1) the unit template in `row` to person p's sum, in float64. */
  private accumulate(p: number, row: number, sign: 1 | -1): void {
    const t = this.matrix.readRow(row);
    const o = p * this.dim;
    for (let j = 0; j < this.dim; j++) this.sums[o + j] += sign * t[j];
  }

  /** Rewrites person p's centroid row from their sum (the mean direction of their unit templates). */
  private refreshCentroid(p: number): void {
    if (this.templatesOfPerson[p] === 0) return;
    const o = p * this.dim;
    let sumSq = 0;
    for (let j = 0; j < this.dim; j++) sumSq += this.sums[o + j] * this.sums[o + j];
    if (Math.sqrt(sumSq) > MIN_CENTROID_NORM * this.templatesOfPerson[p]) {
      this.centroids.writeRow(p, Float32Array.from(this.sums.subarray(o, o + this.dim)));
      return;
    }
    for (let r = this.count - 1; r >= 0; r--) {
      if (this.rowPerson[r] === p) {
        this.centroids.writeRow(p, this.matrix.readRow(r));
        return;
      }
    }
  }

  private loadQuery(embedding: Float32Array): void {
    this.checkEmbedding(embedding, 'query');
    this.centroids.setQuery(embedding);
  }

  private checkEmbedding(embedding: Float32Array, what: string): void {
    if (!(embedding instanceof Float32Array)) {
      throw new AppError('INVALID_INPUT', `The ${what} embedding must be a Float32Array.`);
    }
    if (embedding.length !== this.dim) {
      throw new AppError(
        'INVALID_INPUT',
        `The ${what} embedding has ${embedding.length} values; this matcher expects ${this.dim}.`,
      );
    }
    let sumSq = 0;
    for (let j = 0; j < embedding.length; j++) {
      const v = embedding[j];
      if (!Number.isFinite(v)) {
        throw new AppError('INVALID_INPUT', `The ${what} embedding contains a non-finite value.`);
      }
      sumSq += v * v;
    }
    if (sumSq === 0) {
      throw new AppError('INVALID_INPUT', `The ${what} embedding is all zeros and cannot be normalised.`);
    }
  }

  private writeRow(row: number, templateId: string, personId: string, embedding: Float32Array): void {
    this.matrix.writeRow(row, embedding);
    this.templateIds[row] = templateId;
    const p = this.acquirePerson(personId);
    this.rowPerson[row] = p;
    this.rowOfTemplate.set(templateId, row);
    this.accumulate(p, row, 1);
  }

  private acquirePerson(personId: string): number {
    let p = this.personIndex.get(personId);
    if (p === undefined) {
      p = this.freePersonIndices.pop() ?? this.personIdOf.length;
      this.personIndex.set(personId, p);
      this.personIdOf[p] = personId;
      this.templatesOfPerson[p] = 0;
      this.reservePersonSlots(this.personIdOf.length);
      this.sums.fill(0, p * this.dim, (p + 1) * this.dim);
    }
    this.templatesOfPerson[p]++;
    return p;
  }

  private releasePerson(p: number): void {
    const left = --this.templatesOfPerson[p];
    if (left === 0) {
      this.personIndex.delete(this.personIdOf[p]);
      this.freePersonIndices.push(p);
    }
  }

  /** Room for `slots` people's centroid rows and sums, keeping the slots in use. */
  private reservePersonSlots(slots: number): void {
    this.centroids.reserve(slots, this.personIdOf.length);
    if (this.sums.length >= slots * this.dim) return;
    const sums = new Float64Array(Math.max(slots, (this.sums.length / this.dim) * 2) * this.dim);
    sums.set(this.sums);
    this.sums = sums;
  }

  /** Room for `rows` rows in the matrix and the row-to-person array, keeping the live rows. */
  private reserve(rows: number): void {
    this.matrix.reserve(rows, this.count);
    if (this.rowPerson.length >= rows) return;
    let capacity = Math.max(1, this.rowPerson.length);
    while (capacity < rows) capacity *= 2;
    const rowPerson = new Int32Array(capacity);
    rowPerson.set(this.rowPerson.subarray(0, this.count));
    this.rowPerson = rowPerson;
  }
}

function checkOptions(options: MatchOptions): void {
  if (!(options.alpha >= 0)) {
    throw new AppError('INVALID_INPUT', `alpha must be a non-negative number, got ${options.alpha}.`);
  }
  if (!(options.margin >= 0)) {
    throw new AppError('INVALID_INPUT', `margin must be a non-negative number, got ${options.margin}.`);
  }
}
