import type Database from 'better-sqlite3';

/** One schema step. `up` runs inside a transaction together with the `user_version` bump. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
  /**
   * The step removes personal data (rewrites or deletes rows): VACUUM once the migrations are done, so
   * what it removed is not left in free pages of the file (open.ts).
   */
  vacuumAfter?: boolean;
}
