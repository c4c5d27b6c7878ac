// Public surface of the data layer.

export { compact, openDatabase, type OpenDatabaseOptions } from './open';
export { migrate, schemaVersion, latestSchemaVersion } from './migrate';
export { MIGRATIONS, type Migration } from './migrations';
export { Store, openStore, type StoreOptions } from './store';
export {
  PeopleRepo,
  type PersonCreateInput,
  type PersonUpdateInput,
  type PersonListOptions,
  type ErasureOptions,
  type Erasure,
} from './people-repo';
export { ConsentRepo, type ConsentEventInput } from './consent-repo';
export { RetentionRepo, type RetentionCutoffs } from './retention-repo';
export { TemplatesRepo, type EncoderCensusRow, type TemplateInput } from './templates-repo';
export { AttendanceRepo, type AttendanceInput, type AttendanceListOptions } from './attendance-repo';
export { AuditRepo, type AuditInput, type AuditListOptions } from './audit-repo';
export { SettingsRepo } from './settings-repo';
export { AdminAuthRepo } from './admin-auth-repo';
export { BackupRepo, type BackupRunState, type BackupScheduleRow } from './backup-repo';
export {
  SyncRepo,
  HubAdminRepo,
  SYNC_ENTITIES,
  type SyncEntity,
  type SyncRecord,
  type RecordData,
  type ApplyOutcome,
  type SyncStateRow,
} from './sync-repo';
export { checkDatabaseFile, copyDatabase, integrityProblems } from './backup-copy';
export { systemClock, type Clock } from './clock';
export * from './types';
