// A made-up distance table with round numbers, so tests can state exactly what alpha must be.
import type { DistanceTable } from '../../src/shared/distance-table';

export function syntheticTable(encoderId = 'test-4d'): DistanceTable {
  return {
    encoderId,
    measuredOn: 'made up for tests',
    command: 'none',
    impostorPairs: 10_000_000,
    genuinePairs: 1000,
    minImpostor: 0.2,
    impostor: [
      { far: 1e-7, distance: 0.2 },
      { far: 1e-6, distance: 0.3 },
      { far: 1e-5, distance: 0.4 },
      { far: 1e-4, distance: 0.5 },
      { far: 1e-3, distance: 0.6 },
      { far: 1e-2, distance: 0.8 },
      { far: 1e-1, distance: 1.0 },
      { far: 0.5, distance: 1.4 },
    ],
    // frr falls linearly from 1 at distance 0 to 0 at distance 1.
    genuine: Array.from({ length: 201 }, (_, i) => ({ distance: i / 100, frr: Math.max(0, 1 - i / 100) })),
  };
}
