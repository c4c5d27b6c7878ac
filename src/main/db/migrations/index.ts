// Every schema step, in order. Append new migrations; never edit or renumber a released one.

import { migration001Initial } from './001-initial';
import { migration002TemplateSourceRef } from './002-template-source-ref';
import { migration003TemplateChip } from './003-template-chip';
import { migration004ChangeCounter } from './004-change-counter';
import { migration005AttendanceCorrections } from './005-attendance-corrections';
import { migration006AuditChain } from './006-audit-chain';
import { migration007ConsentAndErasure } from './007-consent-and-erasure';
import { migration008BackupSchedule } from './008-backup-schedule';
import { migration009Sync } from './009-sync';
import type { Migration } from './types';

export type { Migration } from './types';

export const MIGRATIONS: readonly Migration[] = [
  migration001Initial,
  migration002TemplateSourceRef,
  migration003TemplateChip,
  migration004ChangeCounter,
  migration005AttendanceCorrections,
  migration006AuditChain,
  migration007ConsentAndErasure,
  migration008BackupSchedule,
  migration009Sync,
];
