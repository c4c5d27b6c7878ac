// Seeded batches of P people x K photos, the batch FaceNet's online mining needs: every anchor has
// positives and negatives inside its own batch.
import type { Rng } from './rng';

export interface PkBatch {
  /** Photo indices into the training set, person after person. */
  photos: number[];
  /** The person of each of them. */
  labels: number[];
}

export class PkSampler {
  private readonly groups: number[][];

  /**
   * `labels[i]` is the person of photo i. A person with fewer than 2 photos cannot give an anchor-positive
   * pair and is left out (the CLI refuses such folders before this). One with 2..K-1 photos has all of
   * them in each of their batches and the free places filled by photos drawn again (with replacement):
   * a repeated photo only adds a zero-distance pair, while leaving them out would keep the small people
   * of a site out of training altogether.
   */
  constructor(
    labels: readonly number[],
    readonly people: number,
    readonly photosPerPerson: number,
    private readonly rng: Rng,
  ) {
    if (people < 2 || photosPerPerson < 2) throw new Error('a batch needs at least 2 people and 2 photos of each');
    const byLabel = new Map<number, number[]>();
    labels.forEach((l, i) => {
      const g = byLabel.get(l) ?? [];
      g.push(i);
      byLabel.set(l, g);
    });
    this.groups = [...byLabel.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, g]) => g)
      .filter((g) => g.length >= 2);
    if (this.groups.length < 2) throw new Error('training needs at least 2 people with 2 photos or more');
  }

  /** People in each batch: P, or everyone when there are fewer. */
  get peoplePerBatch(): number {
    return Math.min(this.people, this.groups.length);
  }

  /** Enough batches that an epoch draws about as many photos as the set holds. */
  get batchesPerEpoch(): number {
    const photos = this.groups.reduce((s, g) => s + g.length, 0);
    return Math.max(1, Math.ceil(photos / (this.peoplePerBatch * this.photosPerPerson)));
  }

  next(): PkBatch {
    const chosen = this.pick(
      this.groups.map((_, i) => i),
      this.peoplePerBatch,
    );
    const photos: number[] = [];
    const labels: number[] = [];
    for (const g of chosen) {
      const group = this.groups[g]!;
      const take =
        group.length >= this.photosPerPerson
          ? this.pick(group, this.photosPerPerson)
          : [
              ...this.pick(group, group.length),
              ...Array.from(
                { length: this.photosPerPerson - group.length },
                () => group[this.rng.below(group.length)]!,
              ),
            ];
      for (const p of take) {
        photos.push(p);
        labels.push(g);
      }
    }
    return { photos, labels };
  }

  /** The first k of a seeded partial Fisher-Yates shuffle of a copy. */
  private pick(items: readonly number[], k: number): number[] {
    const a = [...items];
    for (let i = 0; i < k; i++) {
      const j = i + this.rng.below(a.length - i);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a.slice(0, k);
  }
}
