import { describe, expect, it } from 'vitest';
import { Matcher, type MatchOptions } from '../../src/main/domain/matcher';
import { GalleryMatrix } from '../../src/main/domain/gallery-matrix';
import { isAppError } from '../../src/shared/errors';
// Seeded, so the randomised comparisons are the same on every run.
import { mulberry32 } from '../../src/main/domain/prng';

function randomVector(rand: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rand() * 2 - 1;
  return v;
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return v.map((x) => x / n);
}

function euclidean(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** A unit vector at exactly `distance` from the unit vector e_axis, in the plane of e_axis and e_towards. */
function atDistanceFromAxis(dim: number, axis: number, towards: number, distance: number): Float32Array {
  // |e_axis - v|^2 = 2 - 2 cos(theta) = distance^2
  const cos = 1 - (distance * distance) / 2;
  const v = new Float32Array(dim);
  v[axis] = cos;
  v[towards] = Math.sqrt(1 - cos * cos);
  return v;
}

function axis(dim: number, i: number, scale = 1): Float32Array {
  const v = new Float32Array(dim);
  v[i] = scale;
  return v;
}

/** The obvious implementation the fast one must agree with. */
class NaiveGallery {
  rows = new Map<string, { personId: string; unit: Float32Array }>();
  add(templateId: string, personId: string, e: Float32Array): void {
    this.rows.set(templateId, { personId, unit: unit(e) });
  }
  /** Each person scored by the distance to the renormalised mean of their unit templates. */
  perPerson(e: Float32Array): Array<{ personId: string; distance: number }> {
    const q = unit(e);
    const sums = new Map<string, Float32Array>();
    for (const { personId, unit: u } of this.rows.values()) {
      const s = sums.get(personId) ?? new Float32Array(u.length);
      for (let i = 0; i < u.length; i++) s[i]! += u[i]!;
      sums.set(personId, s);
    }
    return [...sums]
      .map(([personId, s]) => ({ personId, distance: euclidean(q, unit(s)) }))
      .sort((a, b) => a.distance - b.distance);
  }
}

const OPTIONS: MatchOptions = { alpha: 0.6, margin: 0.1 };

describe.each(['auto', 'js'] as const)('Matcher (backend %s)', (backend) => {
  it('uses WebAssembly SIMD on Node 20 unless told to use JavaScript', () => {
    expect(new Matcher(8, backend).backend).toBe(backend === 'js' ? 'js' : 'wasm-simd');
  });

  it('accepts the enrolled person when the probe is near and the others are far', () => {
    const m = new Matcher(4, backend);
    m.add('a1', 'alice', axis(4, 0, 3)); // stored normalised: the scale must not matter
    m.add('b1', 'bob', axis(4, 1));
    const d = m.identify(atDistanceFromAxis(4, 0, 2, 0.3), OPTIONS);
    expect(d).toMatchObject({ personId: 'alice', secondPersonId: 'bob', accepted: true, reason: 'accepted' });
    expect(d.distance).toBeCloseTo(0.3, 6);
    expect(d.secondDistance).toBeCloseTo(Math.SQRT2, 6);
  });

  it('scores a person by the centroid of their templates, kept in step with adds and removals', () => {
    const m = new Matcher(4, backend);
    m.add('a0', 'alice', axis(4, 0));
    m.add('a1', 'alice', axis(4, 1, 5)); // scale must not matter: alice's centroid is (e0 + e1) / sqrt 2
    m.add('b1', 'bob', axis(4, 2));
    const between = new Float32Array([1, 1, 0, 0]);
    let d = m.identify(between, OPTIONS);
    expect(d).toMatchObject({ personId: 'alice', accepted: true });
    expect(d.distance).toBeCloseTo(0, 6); // 0.765 from either template alone
    expect(m.verify(between, 'alice', { alpha: 0.1 }).accepted).toBe(true);
    // a probe near one of alice's shots is 0.765 from her centroid: farther than from that shot alone
    d = m.identify(axis(4, 0), OPTIONS);
    expect(d.distance).toBeCloseTo(Math.sqrt(2 - Math.SQRT2), 6);
    // removing a shot moves the centroid back onto the other one
    m.removeTemplate('a1');
    expect(m.identify(axis(4, 0), OPTIONS).distance).toBeCloseTo(0, 6);
    // a template that cancels the only other one leaves the person scored by the newest template
    m.add('a2', 'alice', axis(4, 0, -1));
    expect(m.verify(axis(4, 0, -1), 'alice', { alpha: 0.1 }).distance).toBeCloseTo(0, 6);
  });

  it('says unknown when the nearest person is farther than alpha', () => {
    const m = new Matcher(4, backend);
    m.add('a1', 'alice', axis(4, 0));
    const d = m.identify(atDistanceFromAxis(4, 0, 2, 0.7), OPTIONS);
    expect(d).toMatchObject({ personId: 'alice', accepted: false, reason: 'above_threshold', secondPersonId: null });
    expect(d.secondDistance).toBe(Infinity);
    // the boundary itself is accepted: distance <= alpha
    const atAlpha = m.identify(atDistanceFromAxis(4, 0, 2, 0.5), { alpha: 0.5 + 1e-6, margin: 0 });
    expect(atAlpha.accepted).toBe(true);
  });

  it('says unknown when two people are nearly equidistant (margin)', () => {
    const m = new Matcher(4, backend);
    // alice = e0, bob = unit(e0 + small e1): both within alpha of a probe between them
    m.add('a1', 'alice', axis(4, 0));
    m.add('b1', 'bob', atDistanceFromAxis(4, 0, 1, 0.1));
    const probe = atDistanceFromAxis(4, 0, 1, 0.05); // halfway: 0.05 from each
    const d = m.identify(probe, OPTIONS);
    expect(d.distance).toBeLessThan(OPTIONS.alpha);
    expect(d.secondDistance - d.distance).toBeLessThan(OPTIONS.margin);
    expect(d).toMatchObject({ accepted: false, reason: 'ambiguous' });
    expect([d.personId, d.secondPersonId].sort()).toEqual(['alice', 'bob']);
    // with no margin asked for, the same probe is accepted
    expect(m.identify(probe, { alpha: 0.6, margin: 0 }).accepted).toBe(true);
  });

  it('reports an empty gallery', () => {
    const m = new Matcher(4, backend);
    expect(m.identify(axis(4, 0), OPTIONS)).toEqual({
      personId: null,
      distance: Infinity,
      secondPersonId: null,
      secondDistance: Infinity,
      accepted: false,
      reason: 'empty',
    });
    expect(m.topK(axis(4, 0), 3)).toEqual([]);
  });

  it('refuses a wrong dimension, non-finite values and zero vectors, and leaves the gallery as it was', () => {
    const m = new Matcher(4, backend);
    m.add('a1', 'alice', axis(4, 0));
    const refused = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (isAppError(e)) return e.code;
        throw e;
      }
      return 'accepted';
    };
    expect(refused(() => m.add('x', 'bob', new Float32Array(5)))).toBe('INVALID_INPUT');
    expect(refused(() => m.add('x', 'bob', new Float32Array([1, NaN, 0, 0])))).toBe('INVALID_INPUT');
    expect(refused(() => m.add('x', 'bob', new Float32Array(4)))).toBe('INVALID_INPUT');
    expect(refused(() => m.identify(new Float32Array(3).fill(1), OPTIONS))).toBe('INVALID_INPUT');
    expect(refused(() => m.add('a1', 'bob', axis(4, 1)))).toBe('CONFLICT');
    expect(
      refused(() =>
        m.load([
          { templateId: 'z', personId: 'zed', embedding: axis(4, 2) },
          { templateId: 'y', personId: 'yan', embedding: new Float32Array(2) },
        ]),
      ),
    ).toBe('INVALID_INPUT');
    expect(m.size).toBe(1);
    expect(m.personIds()).toEqual(['alice']);
  });

  it('verifies against one person only', () => {
    const m = new Matcher(4, backend);
    m.add('a1', 'alice', axis(4, 0));
    m.add('b1', 'bob', axis(4, 1));
    const probe = atDistanceFromAxis(4, 0, 2, 0.4);
    expect(m.verify(probe, 'alice', { alpha: 0.5 }).accepted).toBe(true);
    expect(m.verify(probe, 'alice', { alpha: 0.5 }).distance).toBeCloseTo(0.4, 6);
    expect(m.verify(probe, 'bob', { alpha: 0.5 }).accepted).toBe(false);
    expect(m.verify(probe, 'nobody', { alpha: 2 })).toEqual({ distance: Infinity, accepted: false });
  });

  it('agrees with a naive reference on thousands of random templates, through adds, removals and reloads', () => {
    const dim = 37; // not a multiple of the row padding, on purpose
    const rand = mulberry32(12345);
    const m = new Matcher(dim, backend);
    const ref = new NaiveGallery();
    let next = 0;
    const addRandom = (count: number): void => {
      for (let i = 0; i < count; i++) {
        const id = `t${next++}`;
        const person = `p${Math.floor(rand() * 600)}`;
        const e = randomVector(rand, dim);
        m.add(id, person, e);
        ref.add(id, person, e);
      }
    };
    const check = (): void => {
      expect(m.size).toBe(ref.rows.size);
      expect(new Set(m.personIds())).toEqual(new Set([...ref.rows.values()].map((r) => r.personId)));
      for (let i = 0; i < 25; i++) {
        const q = randomVector(rand, dim);
        const want = ref.perPerson(q);
        const got = m.topK(q, 5);
        expect(got.map((g) => g.distance)).toEqual(want.slice(0, 5).map((w) => expect.closeTo(w.distance, 5)));
        const d = m.identify(q, { alpha: 2, margin: 0 });
        expect(d.personId).toBe(want[0]!.personId);
        expect(d.distance).toBeCloseTo(want[0]!.distance, 5);
        expect(d.secondDistance).toBeCloseTo(want[1]!.distance, 5);
      }
    };

    addRandom(3000); // grows the matrix by doubling several times
    check();

    // remove a third of the templates, in random order, then whole people
    const ids = [...ref.rows.keys()];
    for (let i = 0; i < 1000; i++) {
      const id = ids.splice(Math.floor(rand() * ids.length), 1)[0]!;
      expect(m.removeTemplate(id)).toBe(true);
      ref.rows.delete(id);
    }
    expect(m.removeTemplate('t0-missing')).toBe(false);
    for (const person of ['p1', 'p2', 'p3']) {
      const theirs = [...ref.rows].filter(([, r]) => r.personId === person).map(([id]) => id);
      expect(m.removePerson(person)).toBe(theirs.length);
      for (const id of theirs) ref.rows.delete(id);
    }
    expect(m.removePerson('p1')).toBe(0);
    check();

    addRandom(500); // rows reuse the freed tail, people reuse freed slots
    check();

    const rows = [...ref.rows].map(([templateId, r]) => ({ templateId, personId: r.personId, embedding: r.unit }));
    m.clear();
    expect(m.size).toBe(0);
    m.load(rows);
    check();
  });

  it('keeps the matrix dense: removing a row moves the last row into its place', () => {
    const m = new Matcher(3, backend);
    m.load([
      { templateId: 'a', personId: 'A', embedding: axis(3, 0) },
      { templateId: 'b', personId: 'B', embedding: axis(3, 1) },
      { templateId: 'c', personId: 'C', embedding: axis(3, 2) },
    ]);
    m.removeTemplate('a');
    const matrix = (m as unknown as { matrix: GalleryMatrix }).matrix;
    expect(Array.from(matrix.readRow(0))).toEqual([0, 0, 1]); // c moved into row 0
    expect(Array.from(matrix.readRow(1))).toEqual([0, 1, 0]);
    expect(m.size).toBe(2);
    expect(m.identify(axis(3, 2), OPTIONS).personId).toBe('C');
    expect(m.removeTemplate('c')).toBe(true);
    expect(m.identify(axis(3, 2), { alpha: 2, margin: 0 }).personId).toBe('B');
    expect(m.personIds()).toEqual(['B']);
  });
});

describe('GalleryMatrix', () => {
  it('computes the same dot products with the WebAssembly kernel and in JavaScript', () => {
    const rand = mulberry32(7);
    for (const dim of [1, 15, 16, 17, 128, 513]) {
      const wasm = new GalleryMatrix(dim, 'wasm-simd');
      const js = new GalleryMatrix(dim, 'js');
      const n = 200;
      wasm.reserve(n, 0);
      js.reserve(n, 0);
      for (let r = 0; r < n; r++) {
        const e = randomVector(rand, dim);
        wasm.writeRow(r, e);
        js.writeRow(r, e);
      }
      const q = randomVector(rand, dim);
      wasm.setQuery(q);
      js.setQuery(q);
      const a = wasm.dotAll(n).slice(0, n);
      const b = js.dotAll(n).slice(0, n);
      for (let r = 0; r < n; r++) expect(a[r]).toBeCloseTo(b[r]!, 5);
    }
  });
});
