// Public surface of the data layer.

export { openDatabase, type OpenDatabaseOptions } from './open';
export { migrate, schemaVersion, latestSchemaVersion } from './migrate';
export { MIGRATIONS, type Migration } from './migrations';
export { Store, openStore, type StoreOptions } from './store';
export {
  PeopleRepo,
  type PersonCreateInput,
  type PersonUpdateInput,
  type PersonListOptions,
  type ConsentInput,
} from './people-repo';
export { TemplatesRepo, type EncoderCensusRow, type TemplateInput } from './templates-repo';
export { AttendanceRepo, type AttendanceInput, type AttendanceListOptions } from './attendance-repo';
export { AuditRepo, type AuditInput, type AuditListOptions } from './audit-repo';
export { SettingsRepo } from './settings-repo';
export { AdminAuthRepo } from './admin-auth-repo';
export { systemClock, type Clock } from './clock';
export * from './types';
