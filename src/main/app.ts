// The composition root: one database, one engine, the services on top of them, and the handler for
// every contract channel. The Electron app, `presence serve` and the CLI all build the app here.
import path from 'node:path';
import { applySettingsPatch, settingsFromStored, type Settings, type SettingsPatch } from '../shared/settings';
import type { EngineStatus, GalleryEncoderInfo } from '../shared/face';
import { isAppError } from '../shared/errors';
import type { AppInfo, AuditLogStatus } from '../shared/types';
import { latestSchemaVersion, openStore, type Store } from './db';
import { trainedModelInfo, type FaceEngine } from './engine';
import { AdminService } from './domain/admin';
import { AttendanceService } from './domain/attendance';
import { BackupService } from './domain/backup';
import { EnrollmentService } from './domain/enrollment';
import { enrollTargetOf } from './domain/enroll-save';
import { photoInMemory } from './domain/photo-import';
import { databaseGallery, FaceIndex, encoderSpaceOf, fixedGallery } from './domain/face-index';
import { IdentifyService } from './domain/identify';
import { KioskService } from './domain/kiosk';
import { PeopleService } from './domain/people';
import { PhotoGroupingService } from './domain/photo-grouping';
import { ReembedService, type GalleryPlan } from './domain/reembed';
import {
  checkModelChoice,
  engineStartFor,
  galleryFromChips,
  galleryPlanFor,
  inspectModel,
  selectedModel,
  type ModelSelection,
} from './domain/trained-model';
import { PrivacyService } from './domain/privacy';
import { RetentionService } from './domain/retention';
import type { KeyProvider } from './security/key-provider';
import { SyncStation, type RoundResult } from './sync/station';
import type { Handlers } from './transport/dispatch';

export interface PresenceAppOptions {
  databasePath: string;
  keys: KeyProvider;
  engine: FaceEngine;
  transport: AppInfo['transport'];
  version: string;
  now?: () => number;
}

export class PresenceApp {
  readonly store: Store;
  readonly engine: FaceEngine;
  readonly index: FaceIndex;
  readonly admin: AdminService;
  readonly people: PeopleService;
  readonly enrollment: EnrollmentService;
  readonly grouping: PhotoGroupingService;
  readonly kiosk: KioskService;
  readonly identify: IdentifyService;
  readonly reembed: ReembedService;
  readonly attendance: AttendanceService;
  readonly retention: RetentionService;
  readonly privacy: PrivacyService;
  readonly backups: BackupService;
  readonly sync: SyncStation;
  private settingsCache: Settings | null = null;
  private engineStart: Promise<void> | null = null;
  private galleryInfo: GalleryEncoderInfo | null = null;

  constructor(private readonly options: PresenceAppOptions) {
    const now = options.now ?? Date.now;
    // One clock for the whole app: audit entries and corrections carry the time the services act on.
    this.store = openStore(options.databasePath, options.keys, { clock: () => new Date(now()) });
    this.auditChain = this.store.audit.verify();
    this.engine = options.engine;
    this.index = new FaceIndex(databaseGallery(this.store));
    const settings = () => this.settings();
    this.admin = new AdminService(this.store, now);
    this.people = new PeopleService(this.store, this.index, settings, now);
    this.enrollment = new EnrollmentService(
      { engine: this.engine, index: this.index, store: this.store, settings },
      now,
    );
    this.grouping = new PhotoGroupingService(
      { engine: this.engine, index: this.index, store: this.store, settings },
      now,
    );
    this.identify = new IdentifyService({ engine: this.engine, index: this.index, store: this.store, settings });
    this.kiosk = new KioskService({ engine: this.engine, identify: this.identify, store: this.store, settings, now });
    this.reembed = new ReembedService({ store: this.store, engine: this.engine });
    this.attendance = new AttendanceService(this.store, settings, now);
    this.retention = new RetentionService({ store: this.store, index: this.index, settings }, now);
    this.privacy = new PrivacyService({
      store: this.store,
      retention: this.retention,
      databasePath: options.databasePath,
      keyLocation: () => options.keys.describe(),
    });
    this.backups = new BackupService({
      store: this.store,
      databasePath: options.databasePath,
      templateKey: () => options.keys.getKey({ mayCreate: false }),
      now,
    });
    this.sync = new SyncStation(this.store, {
      appVersion: options.version,
      schemaVersion: latestSchemaVersion,
      now,
    });
    this.now = now;
  }

  /**
   * One sync round with the hub (sync/station.ts). Pulled templates go into the gallery at once, so a
   * person enrolled at another station is recognised here with no restart.
   */
  async syncNow(): Promise<RoundResult> {
    const result = await this.sync.round();
    if (result.galleryChanged) this.index.templatesChanged();
    if (result.applied) this.settingsCache = null;
    return result;
  }

  private readonly now: () => number;
  private sweepTimer: ReturnType<typeof setInterval> | null = null;
  private retentionTimer: ReturnType<typeof setInterval> | null = null;
  private backupTimer: ReturnType<typeof setInterval> | null = null;
  private syncTimer: ReturnType<typeof setInterval> | null = null;
  private syncRunning: Promise<unknown> | null = null;
  private lastSyncTry = 0;

  /**
   * For the long-running hosts (the desktop app, `presence serve`): the automatic check-out runs now and
   * then every minute, so people still in are checked out at the set time even when nobody looks at a
   * report (reports and exports also catch up first); the retention rules run now and then daily (checked
   * hourly, so a host that sleeps catches up). Not for one-shot CLI commands.
   */
  startBackgroundWork(): void {
    if (this.sweepTimer) return;
    const sweep = () => {
      try {
        this.attendance.sweep();
      } catch (e) {
        console.error(`Automatic check-out failed: ${(e as Error).message}`);
      }
    };
    sweep();
    this.sweepTimer = setInterval(sweep, 60_000);
    this.sweepTimer.unref();
    const retain = () => {
      try {
        this.retention.runIfDue();
      } catch (e) {
        console.error(`The retention rules could not run: ${(e as Error).message}`);
      }
    };
    retain();
    this.retentionTimer = setInterval(retain, 3_600_000);
    this.retentionTimer.unref();
    // Scheduled backups: checked every minute (a backup is due right after the schedule is set); a
    // failure is kept as the status's lastError for the screens, never thrown here.
    const backUp = () => void this.backups.runIfDue();
    backUp();
    this.backupTimer = setInterval(backUp, 60_000);
    this.backupTimer.unref();
    // Sync with the hub, once this station joined one: every syncIntervalSeconds, and within 2 s of a
    // change made here (an enrollment, a check-in, a correction: anything in the outbox). A failure is
    // the status's lastError (presence sync --status, Settings), never thrown here; a hub that is down
    // is tried again at the next interval, not every 2 s.
    const syncTick = () => {
      if (this.syncRunning) return;
      try {
        // The state row only: status() would also open the sealed hub config, every 2 s, for nothing.
        const state = this.store.sync.state();
        if (!state.hub) return;
        const now = this.now();
        const pending = this.store.sync.pendingCount() > 0;
        const failed = state.last_error_code !== null;
        const interval = this.settings().syncIntervalSeconds * 1000;
        if (now - this.lastSyncTry < (pending && !failed ? 0 : interval)) return;
        this.lastSyncTry = now;
      } catch {
        return;
      }
      this.syncRunning = this.syncNow()
        .catch(() => undefined)
        .finally(() => {
          this.syncRunning = null;
        });
    };
    this.syncTimer = setInterval(syncTick, 2_000);
    this.syncTimer.unref();
  }

  /**
   * Starts the engine on the gallery's encoder (planGallery), re-embeds from their chips the templates of
   * another one (a new default encoder: on its first start), then loads the gallery; later calls wait for
   * the same start. `onReembedProgress` counts templates (only the first caller's is used).
   */
  startEngine(onReembedProgress?: (done: number, total: number) => void): Promise<void> {
    const start = (this.engineStart ??= this.bootEngine(onReembedProgress).catch((e: unknown) => {
      // Let the next call try again (the models may have been restored meanwhile).
      this.engineStart = null;
      throw e;
    }));
    return start;
  }

  private async bootEngine(onProgress?: (done: number, total: number) => void): Promise<void> {
    const planned = this.galleryPlan();
    let { plan } = planned;
    let { model, error } = planned.selection;
    let status: EngineStatus;
    try {
      status = await this.engine.start(engineStartFor(plan, model));
    } catch (e) {
      if (!model || !isAppError(e)) throw e;
      // The chosen model reads but does not run (a head made for another size of embedding): the shipped
      // encoder recognises instead, and Settings and `templates status` say why.
      error = `${e.message} Recognition uses the shipped encoder until this is fixed.`;
      model = null;
      plan = galleryPlanFor(this.store.templates.encoderCensus(), this.engine.defaultEncoderId, null);
      status = await this.engine.start(engineStartFor(plan, null));
    }
    let reembedded = 0;
    if (plan.toReembed + plan.toDrop > 0)
      reembedded = (await this.reembed.run({ actor: 'system', onProgress })).reembedded;
    const space = encoderSpaceOf(status);
    if (space) this.index.use(space);
    this.galleryInfo = {
      galleryEncoder: status.encoderId ?? plan.galleryEncoder,
      defaultEncoder: plan.defaultEncoder,
      withoutChips: plan.withoutChips,
      reembedded,
      trainedModel: model && status.encoderId === model.manifest.id ? trainedModelInfo(model) : null,
      trainedModelError:
        error ??
        (model && status.encoderId !== model.manifest.id
          ? `${plan.withoutChips} enrolled people have no stored face chip: recognition stays on ${status.encoderId} until they are enrolled again.`
          : null),
    };
  }

  /**
   * Which encoder the gallery should use now: the trained model the administrator selected when its folder
   * is readable (selection.error says why not otherwise), else the shipped one; see domain/reembed.ts.
   */
  galleryPlan(): { plan: GalleryPlan; selection: ModelSelection } {
    const selection = selectedModel(this.settings().trainedModel);
    const plan = galleryPlanFor(this.store.templates.encoderCensus(), this.engine.defaultEncoderId, selection.model);
    return { plan, selection };
  }

  /**
   * Identification with a trained model that is not (yet) the station's: the engine runs the model, and
   * a gallery made in memory from everyone's face chips (domain/trained-model.ts) answers instead of the
   * stored templates, which stay as they are. For `presence identify --model`; not for a running station.
   */
  async identifyWithModel(
    modelDir: string,
  ): Promise<{ identify: IdentifyService; people: number; withoutChips: number }> {
    const status = await this.engine.start({ modelDir });
    const { templates, people, withoutChips } = await galleryFromChips(this.store, this.engine);
    const index = new FaceIndex(fixedGallery(templates));
    const space = encoderSpaceOf(status);
    if (space) index.use(space);
    const settings = () => this.settings();
    return {
      identify: new IdentifyService({ engine: this.engine, index, store: this.store, settings }),
      people,
      withoutChips,
    };
  }

  /**
   * Another trained model (or the shipped encoder again) was chosen: the engine switches to it and the
   * gallery is re-embedded from its chips before the next frame is answered (frames wait for it).
   */
  private switchModel(): Promise<void> {
    // One switch at a time: two quick changes of the setting must not run two re-embeds at once.
    const run = async () => {
      const previous = this.engineStart;
      if (!previous) return; // not started yet: the first start reads the settings
      await previous.catch(() => undefined);
      // Faces held in a Group photos set were embedded in the old space: they are let go (the screen
      // says the set is gone). Held camera shots and photos are refused when saved (enroll-save.ts).
      this.grouping.releaseAll();
      this.engineStart = null;
      await this.startEngine();
    };
    const next = this.switching.then(run, run);
    this.switching = next.catch(() => undefined);
    return next;
  }
  private switching: Promise<void> = Promise.resolve();

  /** Which encoder the gallery uses, and how many people keep it on an older one; null before the start. */
  gallery(): GalleryEncoderInfo | null {
    return this.galleryInfo;
  }

  /** Cached, and read again when another process (the desktop app and `serve` on one file) wrote. */
  settings(): Settings {
    if (this.store.changedElsewhere('settings')) this.settingsCache = null;
    this.settingsCache ??= settingsFromStored(this.store.settings.getAll());
    return this.settingsCache;
  }

  updateSettings(patch: SettingsPatch, actor: 'admin' | 'cli'): Settings {
    if (patch.trainedModel) {
      const model = checkModelChoice(
        patch.trainedModel,
        this.store.templates.encoderCensus(),
        this.engine.defaultEncoderId,
      );
      patch = { ...patch, trainedModel: model.dir }; // stored as a full path: the CLI may have been given a relative one
    }
    const next = applySettingsPatch(this.settings(), patch);
    // Store only the keys that changed, so the audit entry says exactly what was changed.
    const changed = Object.fromEntries(
      Object.entries(patch)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => [k, next[k as keyof Settings]]),
    );
    this.store.settings.setMany(changed, actor);
    this.settingsCache = next;
    return next;
  }

  info(): AppInfo {
    const status = this.engine.status();
    return {
      name: 'Presence',
      version: this.options.version,
      dataPath: path.dirname(this.options.databasePath),
      databasePath: this.options.databasePath,
      transport: this.options.transport,
      platform: process.platform,
      engine: { state: status.state, backend: status.backend, encoderId: status.encoderId },
      unreadable: this.store.unreadable(),
      auditLog: this.auditChain,
    };
  }

  /**
   * The audit log's hash chain as checked when the database was opened (db/audit-chain.ts): a broken
   * chain does not stop the app, but every admin screen and `presence serve` says so. Checked again by
   * privacy.verifyAudit.
   */
  auditChain: AuditLogStatus;

  handlers(): Handlers {
    return {
      // Public (the kiosk asks too), so the file paths, which name the computer's account, need the PIN.
      'app.info': (_input, ctx) =>
        ctx.session.unlocked ? this.info() : { ...this.info(), dataPath: '', databasePath: '' },
      'settings.get': () => this.settings(),
      'settings.set': async (patch) => {
        const before = this.settings().trainedModel;
        const next = this.updateSettings(patch, 'admin');
        if (next.trainedModel !== before) await this.switchModel();
        return next;
      },
      'models.inspect': ({ dir }) => inspectModel(dir),

      'admin.status': (_i, ctx) => this.admin.status(ctx.session),
      // A locked session's sets of group photos go with it (domain/photo-grouping.ts).
      'admin.unlock': ({ pin }, ctx) => {
        if (!ctx.session.unlocked) this.grouping.release(ctx.session);
        return this.admin.unlock(ctx.session, pin);
      },
      'admin.lock': (_i, ctx) => {
        this.grouping.release(ctx.session);
        return this.admin.lock(ctx.session);
      },
      'admin.setPin': (input, ctx) => this.admin.setPin(ctx.session, input),

      // Probable duplicates come from the gallery review: wait for the one of the gallery as it is now.
      'people.list': async (input) => {
        await this.index.reviewed();
        return this.people.list(input?.query);
      },
      'people.get': ({ id }) => this.people.get(id),
      'people.create': (input) => this.people.create(input, 'admin'),
      'people.update': ({ id, ...patch }) => this.people.update(id, patch, 'admin'),
      'people.erase': ({ id, confirmName }) => this.people.erase(id, confirmName, 'admin'),
      'people.export': ({ id }) => this.people.export(id, 'admin'),
      'people.consentHistory': ({ id }) => this.people.consentHistory(id),
      'people.withdrawConsent': ({ id, recordedBy }) => this.people.withdrawConsent(id, recordedBy, 'screen', 'admin'),
      'people.thumbnail': ({ id }) => this.people.thumbnail(id),
      'people.templates': ({ id }) => this.people.templates(id),
      'people.templateChip': ({ templateId }) => this.people.templateChip(templateId),
      'people.deleteTemplate': ({ templateId }) => this.people.deleteTemplate(templateId, 'admin'),

      'attendance.list': (r) => this.attendance.list(r),
      'attendance.report': (r) => this.attendance.report(r),
      'attendance.export': ({ format, sheet, ...range }) => this.attendance.export(range, format, sheet),
      'attendance.add': (input) => this.attendance.add(input, 'admin'),
      'attendance.update': ({ id, reason, ...change }) => this.attendance.update(id, change, reason, 'admin'),
      'attendance.delete': ({ id, reason }) => this.attendance.delete(id, reason, 'admin'),

      'privacy.overview': () => this.privacy.overview(),
      'privacy.consentText': () => this.privacy.consentText(),
      'privacy.setConsentText': (texts) => this.privacy.setConsentText(texts, 'admin'),
      'privacy.runRetention': () => this.retention.run('admin'),
      'privacy.verifyAudit': () => (this.auditChain = this.store.audit.verify()),

      'backup.status': () => this.backups.status(),
      'backup.configure': (input) => this.backups.configure(input, 'admin'),
      'backup.now': () => this.backups.backupNow('admin'),

      'sync.status': () => this.sync.status(),
      'sync.now': () => this.syncNow(),
      'sync.join': async ({ url, code }) => {
        await this.sync.join(url, code);
        return this.sync.status();
      },

      'engine.status': () => ({ ...this.engine.status(), gallery: this.galleryInfo }),
      'engine.calibrate': (input) =>
        this.index.calibrate({ threshold: null, targetFar: input?.targetFar ?? this.settings().targetFar }),

      'kiosk.frame': async ({ frame, station, stationName }) => {
        await this.requireEngine();
        return this.kiosk.frame(frame, station, stationName);
      },
      'kiosk.punch': ({ station, token, kind }) => this.kiosk.punch(station, token, kind),
      'kiosk.undo': ({ station, token }) => {
        this.kiosk.undo(station, token);
        return { voided: true as const };
      },
      'kiosk.reset': ({ station }) => {
        this.kiosk.reset(station);
        return { reset: true as const };
      },

      'enroll.capture': async ({ frame, personId, session }) => {
        await this.requireEngine();
        return this.enrollment.capture(frame, personId, session);
      },
      'enroll.commit': ({ shotIds, consent, replace, ...target }) =>
        this.enrollment.commit(enrollTargetOf(target), shotIds, consent, 'admin', replace ?? false),
      'enroll.discard': ({ shotIds }) => this.enrollment.discard(shotIds),
      'enroll.importPhotos': async ({ photos, consent, acceptDuplicates, ...target }) => {
        await this.requireEngine();
        const r = await this.enrollment.importPhotos({
          target: enrollTargetOf(target),
          photos: photos.map((p) => photoInMemory(p.name, p.bytes)),
          consent,
          source: 'import',
          actor: 'admin',
          acceptDuplicates,
        });
        return { results: r.results, person: r.commit?.person ?? null };
      },

      // Group photos: each set belongs to the admin session (window or connection) that opened it.
      'groups.open': (_i, ctx) => this.grouping.open(ctx.session),
      'groups.addPhotos': async ({ session, photos }, ctx) => {
        await this.requireEngine();
        return this.grouping.addPhotos(
          session,
          ctx.session,
          photos.map((p) => photoInMemory(p.name, p.bytes)),
        );
      },
      'groups.cluster': async ({ session }, ctx) => {
        await this.requireEngine();
        return this.grouping.cluster(session, ctx.session);
      },
      'groups.match': async ({ session, faceIds }, ctx) => {
        await this.requireEngine();
        return this.grouping.match(session, ctx.session, faceIds);
      },
      'groups.enroll': async ({ session, faceIds, consent, acceptDuplicates, ...target }, ctx) => {
        await this.requireEngine();
        return this.grouping.enroll({
          session,
          owner: ctx.session,
          faceIds,
          target: enrollTargetOf(target),
          consent,
          acceptDuplicates,
          actor: 'admin',
        });
      },
      'groups.close': ({ session }, ctx) => this.grouping.close(session, ctx.session),
    };
  }

  private async requireEngine(): Promise<void> {
    await this.startEngine();
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.backupTimer) clearInterval(this.backupTimer);
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.syncTimer = null;
    // A round under way finishes (its page is one transaction either way) before the file closes.
    await this.syncRunning;
    this.sweepTimer = null;
    this.retentionTimer = null;
    this.backupTimer = null;
    this.grouping.dispose();
    // A backup being copied reads the database: it finishes before the connection closes.
    await this.backups.idle();
    await this.engine.stop();
    this.store.close();
  }
}
