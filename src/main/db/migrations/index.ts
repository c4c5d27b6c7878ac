// Every schema step, in order. Append new migrations; never edit or renumber a released one.

import { migration001Initial } from './001-initial';
import type { Migration } from './types';

export type { Migration } from './types';

export const MIGRATIONS: readonly Migration[] = [migration001Initial];
