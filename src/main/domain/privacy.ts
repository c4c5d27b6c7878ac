// Settings > Privacy: what is stored, where and for how long, from the database itself; the consent
// text in force; the audit log's state. Read-only apart from a new consent text version.
import type { ConsentText, PrivacyOverview } from '../../shared/types';
import type { Actor, Store } from '../db';
import type { RetentionService } from './retention';

export class PrivacyService {
  constructor(
    private readonly deps: {
      store: Store;
      retention: RetentionService;
      databasePath: string;
      keyLocation: () => string;
    },
  ) {}

  overview(): PrivacyOverview {
    const { store } = this.deps;
    const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
    return {
      stored: {
        people: count('SELECT count(*) AS n FROM people WHERE deleted_at IS NULL'),
        withFaceData: count(
          `SELECT count(*) AS n FROM people p WHERE p.deleted_at IS NULL AND (p.thumbnail IS NOT NULL
             OR EXISTS (SELECT 1 FROM face_templates t WHERE t.person_id = p.id))`,
        ),
        templates: count('SELECT count(*) AS n FROM face_templates'),
        thumbnails: count('SELECT count(*) AS n FROM people WHERE deleted_at IS NULL AND thumbnail IS NOT NULL'),
        attendanceEvents: count('SELECT count(*) AS n FROM attendance_events WHERE deleted_at IS NULL'),
        tombstones: count('SELECT count(*) AS n FROM people WHERE deleted_at IS NOT NULL'),
        auditEntries: count('SELECT count(*) AS n FROM audit_log'),
      },
      databasePath: this.deps.databasePath,
      keyLocation: this.deps.keyLocation(),
      consentText: store.consent.textInForce(),
      retention: this.deps.retention.preview(),
      auditLog: store.audit.verify(),
    };
  }

  consentText(): ConsentText {
    return this.deps.store.consent.textInForce();
  }

  setConsentText(texts: { en: string; 'zh-CN': string }, actor: Actor): ConsentText {
    return this.deps.store.consent.setText(texts, actor);
  }
}
