// Parsers for LFW's pairs files and the ident list (plain text; no I/O here).
import path from 'node:path';

export interface Pair {
  a: string;
  b: string;
  same: boolean;
  fold: number;
}

export function lfwImagePath(imagesDir: string, name: string, n: number): string {
  return path.join(imagesDir, name, `${name}_${String(n).padStart(4, '0')}.jpg`);
}

/**
 * First line: "N" (N same then N different pairs, as pairsDevTrain.txt; split into 10 folds in order)
 * or "folds perFold" (View 2: per fold, perFold same then perFold different).
 */
export function parsePairs(text: string, imagesDir: string): { pairs: Pair[]; folds: number } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.length) throw new Error('the pairs file is empty');
  const head = lines[0].split(/\s+/).map(Number);
  const rows = lines.slice(1).map((l) => l.split(/\s+/));
  const toPair = (r: string[], fold: number): Pair => {
    const n = (s: string): number => {
      if (!/^\d+$/.test(s))
        throw new Error(`unexpected pairs line: "${r.join(' ')}" (image numbers are whole numbers)`);
      return Number(s);
    };
    if (r.length === 3)
      return { a: lfwImagePath(imagesDir, r[0], n(r[1])), b: lfwImagePath(imagesDir, r[0], n(r[2])), same: true, fold };
    if (r.length === 4)
      return {
        a: lfwImagePath(imagesDir, r[0], n(r[1])),
        b: lfwImagePath(imagesDir, r[2], n(r[3])),
        same: false,
        fold,
      };
    throw new Error(`unexpected pairs line: "${r.join(' ')}"`);
  };
  const pairs: Pair[] = [];
  if (head.length >= 2 && head[0] > 0 && head[1] > 0) {
    const [folds, per] = head;
    if (rows.length < folds * per * 2)
      throw new Error(`the pairs file promises ${folds}x${per}x2 pairs but has ${rows.length} lines`);
    for (let f = 0; f < folds; f++) for (let i = 0; i < 2 * per; i++) pairs.push(toPair(rows[f * 2 * per + i], f));
    return { pairs, folds };
  }
  const n = head[0];
  if (!(n > 0) || rows.length < 2 * n)
    throw new Error(`the pairs file promises ${n} same and ${n} different pairs but has ${rows.length} lines`);
  const folds = 10;
  for (let i = 0; i < 2 * n; i++) {
    const k = i < n ? i : i - n;
    pairs.push(toPair(rows[i], Math.min(folds - 1, Math.floor((k * folds) / n))));
  }
  return { pairs, folds };
}

export interface IdentRow {
  role: 'enroll' | 'probe' | 'impostor';
  identity: string;
  image: string;
}

/** Tab-separated `role identity image` with a header line; image paths are relative to imagesDir. */
export function parseIdentList(text: string, imagesDir: string): IdentRow[] {
  const out: IdentRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cols = line.trim().split('\t');
    if (cols.length < 3) continue;
    const [role, identity, image] = cols;
    if (role === 'role') continue;
    if (role !== 'enroll' && role !== 'probe' && role !== 'impostor')
      throw new Error(`unexpected role "${role}" in the ident list`);
    out.push({ role, identity, image: path.join(imagesDir, image) });
  }
  return out;
}
