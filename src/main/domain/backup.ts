// Backups: a consistent copy of the open database, encrypted with a passphrase (security/backup-file.ts),
// made on demand (`presence backup`, backup.now) or on a schedule into a folder, where the oldest are
// pruned; and the restore (`presence restore`), which never loses the database it replaces.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, isAppError } from '../../shared/errors';
import {
  BACKUP_PASSPHRASE_MAX,
  BACKUP_PASSPHRASE_MIN,
  BACKUP_EVERY_DAYS_MAX,
  BACKUP_KEEP_MAX,
  passphraseLength,
} from '../../shared/limits';
import type { AuditLogStatus, BackupResult, BackupStatus } from '../../shared/types';
import { checkDatabaseFile, copyDatabase, latestSchemaVersion, openStore, type Actor, type Store } from '../db';
import {
  BACKUP_SCRYPT,
  decryptBackup,
  derivePassphraseKey,
  encryptBackup,
  readBackupHeader,
  unlockBackup,
  type PassphraseKey,
  type ScryptParams,
} from '../security/backup-file';
import { FileKeyProvider, keyFilePathFor, SEALED_KEY_FILE } from '../security/key-provider';
import { templateAad } from '../security/template-cipher';

const DAY_MS = 24 * 60 * 60 * 1000;
/** After a failed scheduled backup, the next try waits this long (a missing disk is not asked every minute). */
export const BACKUP_RETRY_MS = 60 * 60 * 1000;
const FILE_PREFIX = 'presence-backup-';
const FILE_SUFFIX = '.pbak';
const SCHEDULED_NAME = /^presence-backup-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z(-\d+)?\.pbak$/;

/** `presence-backup-2026-01-02T03-04-05.678Z.pbak`: sorts by time, and has no character Windows refuses. */
export function backupFileName(at: Date): string {
  return `${FILE_PREFIX}${at.toISOString().replace(/:/g, '-')}${FILE_SUFFIX}`;
}

/** Refuses a passphrase that is too short (or absurdly long) with the rule. */
export function checkPassphrase(passphrase: string): void {
  const n = passphraseLength(passphrase);
  if (n < BACKUP_PASSPHRASE_MIN)
    throw new AppError(
      'INVALID_INPUT',
      `A backup passphrase has at least ${BACKUP_PASSPHRASE_MIN} characters (this one has ${n}): the backup leaves this computer, and only the passphrase protects it. A few unrelated words make a good one.`,
    );
  if (passphrase.length > BACKUP_PASSPHRASE_MAX)
    throw new AppError('INVALID_INPUT', `A backup passphrase has at most ${BACKUP_PASSPHRASE_MAX} characters.`);
}

/** An I/O failure while writing a backup as a sentence; an AppError keeps its own. */
function writeFailure(e: unknown, where: string): AppError {
  if (isAppError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const reason =
    err.code === 'ENOSPC'
      ? 'the disk is full'
      : err.code === 'EACCES' || err.code === 'EPERM'
        ? 'Presence may not write there'
        : err.code === 'ENOENT'
          ? 'the folder does not exist (is the backup disk connected?)'
          : err.code === 'EROFS'
            ? 'the disk is read-only'
            : (err.message ?? String(e));
  return new AppError(
    'BACKUP_FAILED',
    `The backup could not be written to ${where}: ${reason}. Nothing was left half-written; fix this and make the backup again.`,
  );
}

export interface WriteBackupOptions {
  store: Store;
  /** The live database's path: the plain copy is made in a private folder beside it, never elsewhere. */
  databasePath: string;
  templateKey: Buffer;
  passphraseKey: PassphraseKey;
  out: string;
  now: () => number;
}

/** Copies the open database (SQLite's backup API), checks the copy, and encrypts it into `out`. */
export async function writeBackup(opts: WriteBackupOptions): Promise<BackupResult> {
  const out = path.resolve(opts.out);
  const at = new Date(opts.now());
  // The plain copy holds names and attendance in clear, like the database itself: it stays beside it.
  let work: string;
  try {
    work = fs.mkdtempSync(path.join(path.dirname(path.resolve(opts.databasePath)), '.presence-backup-'));
  } catch (e) {
    throw writeFailure(e, path.dirname(opts.databasePath));
  }
  try {
    const copy = path.join(work, 'copy.db');
    const { schemaVersion } = await copyDatabase(opts.store.db, copy).catch((e: unknown) => {
      throw writeFailure(e, work);
    });
    const { bytes } = await encryptBackup({
      plainFile: copy,
      out,
      passphraseKey: opts.passphraseKey,
      templateKey: opts.templateKey,
      schemaVersion,
      createdAt: at,
    }).catch((e: unknown) => {
      throw writeFailure(e, path.dirname(out));
    });
    return { file: out, bytes, at: at.toISOString() };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export interface BackupServiceDeps {
  store: Store;
  databasePath: string;
  /** The template key (the desktop app's sealed one, or the key file): it travels inside each backup. */
  templateKey: () => Buffer;
  now: () => number;
  /** scrypt cost; tests lower it, nothing else does. */
  scrypt?: ScryptParams;
}

export type BackupConfigureInput =
  { off: true } | { folder: string; everyDays: number; keep: number; passphrase?: string | undefined };

export class BackupService {
  readonly #deps: BackupServiceDeps;
  /** One backup at a time: the schedule's and "Back up now" would otherwise copy and prune at once. */
  #running: Promise<BackupResult> | null = null;

  constructor(deps: BackupServiceDeps) {
    this.#deps = deps;
  }

  status(): BackupStatus {
    const { backups } = this.#deps.store;
    const schedule = backups.schedule();
    const state = backups.state();
    return {
      schedule: schedule && { folder: schedule.folder, everyDays: schedule.everyDays, keep: schedule.keep },
      lastBackupAt: state.lastBackupAt,
      lastFile: state.lastFile,
      lastError: state.lastError,
      nextAt: this.#nextAt()?.toISOString() ?? null,
    };
  }

  /**
   * When the schedule's next backup is due: right after it is set up (or changed), then every so many
   * days after the last one; after a failure, not before an hour has passed.
   */
  #nextAt(): Date | null {
    const { backups } = this.#deps.store;
    const schedule = backups.schedule();
    if (!schedule) return null;
    const state = backups.state();
    const configured = Date.parse(schedule.configuredAt);
    const last = state.lastBackupAt ? Date.parse(state.lastBackupAt) : NaN;
    let due = last >= configured ? last + schedule.everyDays * DAY_MS : configured;
    if (state.lastError && state.lastAttemptAt) due = Math.max(due, Date.parse(state.lastAttemptAt) + BACKUP_RETRY_MS);
    return new Date(due);
  }

  async configure(input: BackupConfigureInput, actor: Actor): Promise<BackupStatus> {
    const { backups } = this.#deps.store;
    if ('off' in input) {
      backups.turnOff(actor);
      return this.status();
    }
    if (!Number.isInteger(input.everyDays) || input.everyDays < 1 || input.everyDays > BACKUP_EVERY_DAYS_MAX)
      throw new AppError('INVALID_INPUT', `Back up every 1 to ${BACKUP_EVERY_DAYS_MAX} days.`);
    if (!Number.isInteger(input.keep) || input.keep < 1 || input.keep > BACKUP_KEEP_MAX)
      throw new AppError('INVALID_INPUT', `Keep 1 to ${BACKUP_KEEP_MAX} backups.`);
    const folder = checkFolder(input.folder, this.#deps.databasePath);
    let key: PassphraseKey | null;
    if (input.passphrase !== undefined) {
      checkPassphrase(input.passphrase);
      key = await derivePassphraseKey(input.passphrase, this.#deps.scrypt ?? BACKUP_SCRYPT);
    } else {
      key = backups.passphraseKey();
      if (!key)
        throw new AppError(
          'INVALID_INPUT',
          'Choose a passphrase for the backups: without it nobody, you included, can restore them (passphrase).',
          { path: 'passphrase' },
        );
    }
    backups.configure({ folder, everyDays: input.everyDays, keep: input.keep }, key, actor);
    return this.status();
  }

  /** A backup into a file of the administrator's choosing (`presence backup --out`), with its audit entry. */
  backupToFile(out: string, passphraseKey: PassphraseKey, actor: Actor): Promise<BackupResult> {
    return this.#exclusive(async () => {
      const { store, now, databasePath } = this.#deps;
      const result = await writeBackup({
        store,
        databasePath,
        templateKey: this.#deps.templateKey(),
        passphraseKey,
        out,
        now,
      });
      store.backups.recordBackup({ ...result, scheduled: false, toScheduleFolder: false }, actor);
      return result;
    });
  }

  /** A backup into the schedule's folder, now (backup.now); the oldest beyond `keep` are then removed. */
  backupNow(actor: Actor): Promise<BackupResult> {
    return this.#exclusive(() => this.#scheduled(actor, false));
  }

  /**
   * The schedule's tick (PresenceApp.startBackgroundWork): makes the backup when it is due. A failure is
   * kept as the status's lastError (the screens show it), never thrown at the timer.
   */
  async runIfDue(): Promise<BackupResult | null> {
    if (this.#running) return null;
    const next = this.#nextAt();
    if (!next || next.getTime() > this.#deps.now()) return null;
    try {
      return await this.#exclusive(() => this.#scheduled('system', true));
    } catch (e) {
      console.error(`presence: the scheduled backup failed: ${(e as Error).message}`);
      return null;
    }
  }

  /** Resolves when no backup is being written (before the database closes). */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #exclusive(run: () => Promise<BackupResult>): Promise<BackupResult> {
    while (this.#running) await this.#running.catch(() => undefined);
    const job = run();
    this.#running = job;
    try {
      return await job;
    } finally {
      if (this.#running === job) this.#running = null;
    }
  }

  async #scheduled(actor: Actor, scheduled: boolean): Promise<BackupResult> {
    const { store, now } = this.#deps;
    const schedule = store.backups.schedule();
    if (!schedule)
      throw new AppError(
        'NOT_FOUND',
        'No backup folder and passphrase are set yet: set up the scheduled backups first, then back up now.',
      );
    try {
      let out = path.join(schedule.folder, backupFileName(new Date(now())));
      // Two backups in the same millisecond (a tap on "Back up now" as the schedule fires) get two files.
      for (let i = 2; fs.existsSync(out); i++)
        out = path.join(schedule.folder, backupFileName(new Date(now())).replace(FILE_SUFFIX, `-${i}${FILE_SUFFIX}`));
      const result = await writeBackup({
        store,
        databasePath: this.#deps.databasePath,
        templateKey: this.#deps.templateKey(),
        passphraseKey: store.backups.passphraseKey()!,
        out,
        now,
      });
      store.backups.recordBackup({ ...result, scheduled, toScheduleFolder: true }, actor);
      pruneBackups(schedule.folder, schedule.keep);
      return result;
    } catch (e) {
      const error = writeFailure(e, schedule.folder);
      store.backups.recordFailure(new Date(now()).toISOString(), error.message);
      throw error;
    }
  }
}

/** The schedule's folder: an existing folder Presence may write into, given as a full path. */
function checkFolder(folder: string, databasePath: string): string {
  const trimmed = folder.trim();
  if (!path.isAbsolute(trimmed))
    throw new AppError(
      'INVALID_INPUT',
      `Give the backup folder as a full path (such as ${process.platform === 'win32' ? 'E:\\Presence backups' : '/media/backup/presence'}) (folder).`,
      { path: 'folder' },
    );
  const full = path.resolve(trimmed);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(full);
  } catch {
    throw new AppError(
      'NOT_FOUND',
      `There is no folder ${full}. Create it (on the backup disk, for example) and choose it again.`,
      { path: 'folder' },
    );
  }
  if (!stat.isDirectory()) throw new AppError('INVALID_INPUT', `${full} is a file, not a folder (folder).`);
  try {
    fs.accessSync(full, fs.constants.W_OK);
  } catch {
    throw new AppError('BACKUP_FAILED', `Presence may not write into ${full}: choose a folder it may write into.`);
  }
  if (full === path.dirname(path.resolve(databasePath)))
    throw new AppError(
      'INVALID_INPUT',
      `${full} is the folder of the database itself: a backup there is lost with the disk it should survive. Choose a folder on another disk (folder).`,
      { path: 'folder' },
    );
  return full;
}

/** Keeps the newest `keep` scheduled backups in `folder`; touches no other file, whatever its name. */
export function pruneBackups(folder: string, keep: number): string[] {
  const ours = fs
    .readdirSync(folder)
    .filter((name) => SCHEDULED_NAME.test(name))
    .sort()
    .reverse();
  const removed: string[] = [];
  for (const name of ours.slice(keep)) {
    const file = path.join(folder, name);
    try {
      // Only a file that is one: a file someone named like a backup stays.
      const head = Buffer.alloc(16);
      const fd = fs.openSync(file, 'r');
      try {
        fs.readSync(fd, head, 0, 16, 0);
      } finally {
        fs.closeSync(fd);
      }
      if (head.toString('latin1') !== 'PRESENCE BACKUP\n') continue;
      fs.rmSync(file);
      removed.push(file);
    } catch {
      // one that cannot be removed now is removed after the next backup
    }
  }
  return removed;
}

// --- restore -------------------------------------------------------------------------------------------

export interface RestoreOptions {
  file: string;
  passphrase: string;
  databasePath: string;
  /** Replace the database there (its files are kept aside, never deleted). */
  force?: boolean;
  now?: () => number;
}

export interface RestoreSummary {
  databasePath: string;
  keyFile: string;
  /** When the backup was made (ISO-8601 UTC). */
  backupAt: string;
  /** The schema the backup was made with (the restored database is brought to this version's). */
  schemaVersion: number;
  people: number;
  templates: number;
  /** Templates that decrypt with the key that came with the backup. */
  templatesReadable: number;
  auditLog: AuditLogStatus;
  /** Files of the database that was there, renamed aside. */
  setAside: string[];
}

/** The files that make up the database at `databasePath` (the sealed key belongs to its folder). */
function databaseFiles(databasePath: string): string[] {
  return [
    databasePath,
    `${databasePath}-wal`,
    `${databasePath}-shm`,
    keyFilePathFor(databasePath),
    path.join(path.dirname(databasePath), SEALED_KEY_FILE),
  ];
}

function stamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Restores a backup to `databasePath`. Everything is checked before anything there moves: the passphrase,
 * the file's authentication, SQLite's integrity check, the key against the templates, the audit chain.
 * A database already there is refused unless `force`; then its files are renamed aside (the database to
 * `<db>.before-restore-<time>`, with its WAL and key named so that it opens again under that name).
 */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreSummary> {
  const now = opts.now ?? Date.now;
  const file = path.resolve(opts.file);
  const databasePath = path.resolve(opts.databasePath);
  const header = await readBackupHeader(file);
  if (header.schemaVersion > latestSchemaVersion())
    throw new AppError(
      'CONFLICT',
      `This backup was made by a newer version of Presence (schema ${header.schemaVersion}; this one knows up to ${latestSchemaVersion()}). Update Presence, then restore it.`,
    );
  const existing = databaseFiles(databasePath).filter((f) => fs.existsSync(f));
  if (existing.length > 0 && !opts.force)
    throw new AppError(
      'CONFLICT',
      `There is already a Presence database at ${databasePath}. To replace it with the backup, run the restore again with --force: its files are then kept aside as ${databasePath}.before-restore-<time>, not deleted.`,
    );
  const unlocked = await unlockBackup(file, opts.passphrase);

  const dir = path.dirname(databasePath);
  // A folder made for the restore goes again if the restore fails: a refusal leaves nothing behind.
  const madeDir = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(databasePath)}.restoring-${randomBytes(6).toString('hex')}`);
  const tempKey = keyFilePathFor(temp);
  const cleanup = (dropMadeDir: boolean) => {
    for (const f of [temp, `${temp}-wal`, `${temp}-shm`, tempKey]) fs.rmSync(f, { force: true });
    if (dropMadeDir && madeDir) fs.rmSync(madeDir, { recursive: true, force: true });
  };
  let summary: Omit<RestoreSummary, 'setAside' | 'databasePath' | 'keyFile'>;
  try {
    await decryptBackup(unlocked, temp);
    const check = checkDatabaseFile(temp);
    if (check.problems.length > 0)
      throw new AppError(
        'BACKUP_INVALID',
        `The database inside ${file} fails SQLite's integrity check (${check.problems.slice(0, 3).join('; ')}); nothing was changed. Use an older backup.`,
      );
    fs.writeFileSync(tempKey, unlocked.templateKey, { mode: 0o600, flag: 'wx' });
    summary = inspectRestored(temp, header.createdAt, header.schemaVersion, now);
  } catch (e) {
    cleanup(true);
    throw e;
  }

  // Everything checked: the old files step aside, the restored ones take their place.
  const setAside: string[] = [];
  try {
    const when = stamp(new Date(now()));
    const aside = `${databasePath}.before-restore-${when}`;
    const asideName = (f: string): string =>
      f === databasePath
        ? aside
        : f === keyFilePathFor(databasePath)
          ? keyFilePathFor(aside)
          : f.startsWith(`${databasePath}-`)
            ? `${aside}${f.slice(databasePath.length)}`
            : `${f}.before-restore-${when}`;
    for (const f of existing) {
      const to = asideName(f);
      fs.renameSync(f, to);
      setAside.push(to);
    }
    fs.renameSync(temp, databasePath);
    // Closed cleanly, the copy has no WAL left; if one stayed, it belongs with it.
    for (const suffix of ['-wal', '-shm'])
      if (fs.existsSync(`${temp}${suffix}`)) fs.renameSync(`${temp}${suffix}`, `${databasePath}${suffix}`);
    fs.renameSync(tempKey, keyFilePathFor(databasePath));
    if (process.platform !== 'win32') {
      fs.chmodSync(databasePath, 0o600);
      fs.chmodSync(keyFilePathFor(databasePath), 0o600);
    }
  } catch (e) {
    cleanup(false);
    throw new AppError(
      'BACKUP_FAILED',
      `The restored database could not be put in place at ${databasePath}: ${(e as Error).message}.${setAside.length ? ` The files that were there are kept as ${setAside.join(', ')}.` : ''}`,
    );
  }
  return { ...summary, databasePath, keyFile: keyFilePathFor(databasePath), setAside };
}

/** Opens the restored copy as Presence will (migrating it, the key checked against it) and counts. */
function inspectRestored(
  file: string,
  backupAt: Date,
  schemaVersion: number,
  now: () => number,
): Omit<RestoreSummary, 'setAside' | 'databasePath' | 'keyFile'> {
  const store = openStore(file, new FileKeyProvider(keyFilePathFor(file)), { clock: () => new Date(now()) });
  try {
    const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
    let readable = 0;
    const rows = store.db.prepare('SELECT id, embedding FROM face_templates').all() as {
      id: string;
      embedding: Buffer;
    }[];
    for (const t of rows) {
      try {
        store.cipher.decryptBytes(t.embedding, templateAad(t.id));
        readable++;
      } catch {
        // counted as unreadable
      }
    }
    const auditLog = store.audit.verify();
    store.audit.append({
      actor: 'cli',
      action: 'backup.restore',
      details: { backupAt: backupAt.toISOString(), auditLogOk: auditLog.ok },
    });
    return {
      backupAt: backupAt.toISOString(),
      schemaVersion,
      people: count('SELECT count(*) AS n FROM people WHERE deleted_at IS NULL'),
      templates: rows.length,
      templatesReadable: readable,
      auditLog,
    };
  } finally {
    store.close();
  }
}
