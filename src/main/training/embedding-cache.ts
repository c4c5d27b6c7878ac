// Base-encoder embeddings of training and validation photos, kept in one JSON file so that a re-run (or a
// resumed one) embeds only what changed. A photo is known by its path, byte size and modification time,
// and by the encoder and the way it was embedded: change any and it is embedded again.
// The file holds face embeddings (biometric data): it stays beside the checkpoint, not in the model.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeFloats, encodeFloats, writeFileAtomic } from './checkpoint';

const FORMAT = 'presence-embedding-cache/1';

/**
 * train: the one usable face of a photo (engine.analyze); eval: the face nearest the centre. The -trunk
 * kinds hold the frozen MobileFaceNet trunk's output for the same faces (`--mode finetune`).
 */
export type EmbeddingKind = 'train' | 'eval' | 'train-trunk' | 'eval-trunk';

/** A rewrite of the whole file is due after this many new entries, and not sooner than this after the last. */
const SAVE_EVERY = 100;
const SAVE_INTERVAL_MS = 30_000;

export interface CachedEmbedding {
  embedding: Float32Array | null;
  /** eval: whether a face was found (else the centred-face crop was embedded). */
  found: boolean;
  /** train: why the photo was not used. */
  reason?: string;
}

interface Stored {
  e: string | null;
  f: boolean;
  r?: string;
}

export class EmbeddingCache {
  private changed = 0;
  private savedAt = Date.now();

  private constructor(
    readonly file: string,
    private readonly entries: Record<string, Stored>,
  ) {}

  /** An unreadable cache file is only a lost cache: it starts empty and is overwritten. */
  static open(file: string): EmbeddingCache {
    let entries: Record<string, Stored> = {};
    if (existsSync(file)) {
      try {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; entries?: Record<string, Stored> };
        if (parsed.format === FORMAT && parsed.entries) entries = parsed.entries;
      } catch {
        entries = {};
      }
    }
    return new EmbeddingCache(file, entries);
  }

  key(kind: EmbeddingKind, encoderId: string, photo: string): string {
    const st = statSync(photo);
    return [kind, encoderId, path.resolve(photo), st.size, Math.round(st.mtimeMs)].join('|');
  }

  get(key: string): CachedEmbedding | undefined {
    const s = this.entries[key];
    if (!s) return undefined;
    return { embedding: s.e === null ? null : decodeFloats(s.e), found: s.f, ...(s.r ? { reason: s.r } : {}) };
  }

  set(key: string, value: CachedEmbedding): void {
    this.entries[key] = {
      e: value.embedding ? encodeFloats(value.embedding) : null,
      f: value.found,
      ...(value.reason ? { r: value.reason } : {}),
    };
    // Saved every so often, so that an interrupted embedding of thousands of photos keeps its work; at
    // most every 30 s, as trunk rows weigh 25 KB each and the whole file is rewritten.
    if (++this.changed >= SAVE_EVERY && Date.now() - this.savedAt >= SAVE_INTERVAL_MS) this.save();
  }

  save(): void {
    this.changed = 0;
    this.savedAt = Date.now();
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify({ format: FORMAT, entries: this.entries }));
  }
}
