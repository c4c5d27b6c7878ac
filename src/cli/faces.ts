// `presence enroll`, `presence import`, `presence identify`: faces from photo files.
import { InvalidArgumentError, type Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { AppError, isAppError, type ErrorCode } from '../shared/errors';
import { lineTextProblem } from '../shared/limits';
import type { IdentifyService, MatchReason } from '../main/domain/identify';
import type { PresenceApp } from '../main/app';
import { readImageFile } from '../main/engine';
import { existingPath, openApp, statArgument, type GlobalOptions } from './context';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);
const DUPLICATE_HINT = ' (--accept-duplicates adds it anyway)';

function isImage(file: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/**
 * A photo named on the command line, as its full path; a missing path or a folder stops the command with
 * one line saying which and why (thrown from the action, where commander's own errors would print nothing).
 */
function photoFile(value: string): string {
  const full = path.resolve(value);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(full);
  } catch {
    throw new AppError('NOT_FOUND', `${value} does not exist: check the path of the photo.`);
  }
  if (stat.isDirectory())
    throw new AppError(
      'INVALID_INPUT',
      `${value} is a folder, not a photo: name the photos in it, or use "presence import" for a folder of people.`,
    );
  if (!stat.isFile())
    throw new AppError('INVALID_INPUT', `${value} is not a photo file: name a JPEG, PNG or WebP file.`);
  return full;
}

/** A folder name as it can be shown on a terminal: invisible and direction characters written as \u{...}. */
function visible(name: string): string {
  return name.replace(
    /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu,
    (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`,
  );
}

/** One photo's result in the shape importPhotos reports it. */
type PhotoResult = Awaited<ReturnType<PresenceApp['enrollment']['importPhotos']>>['results'][number];

/** `existing`: the command only reads, so a database that is not there is a mistyped --db (see openApp). */
async function withEngine<T>(
  opts: GlobalOptions & { existing?: boolean; start?: boolean },
  fn: (app: PresenceApp) => Promise<T>,
): Promise<T> {
  const app = openApp(opts, 'in-process', { existing: opts.existing });
  try {
    // start: false for a caller that starts the engine its own way (identify --model).
    if (opts.start !== false) await app.startEngine();
    return await fn(app);
  } finally {
    await app.close();
  }
}

/**
 * Enrolls files for the person of that name in one go. The service skips files already enrolled for them
 * (re-runs add nothing) and byte-identical copies within the run. A new name becomes a person only with
 * a good photo, so a folder of bad photos leaves no empty person behind. Returns the person, or null when
 * none exists (no good photo), and each file's result in the order given.
 */
async function enrollFiles(
  app: PresenceApp,
  name: string,
  files: readonly string[],
  { consentRecordedBy, acceptDuplicates }: { consentRecordedBy: string; acceptDuplicates?: boolean },
  onFile?: () => void,
) {
  const existing = app.people.findByName(name) ?? null;
  const { results, commit } = await app.enrollment.importPhotos({
    target: existing ? { personId: existing.id } : { newPerson: { name } },
    // Read one at a time as the import reaches them, the size checked before each file is read.
    photos: files.map((file) => ({ name: file, read: () => readImageFile(file) })),
    consent: { given: true, by: consentRecordedBy },
    source: 'cli',
    actor: 'cli',
    acceptDuplicates,
    onPhoto: onFile,
  });
  return { person: commit?.person ?? existing, results };
}

export function registerFaces(program: Command): void {
  program
    .command('enroll')
    .description('enroll a person from photo files (creates the person if the name is new)')
    .requiredOption('--name <name>', "the person's full name")
    .requiredOption(
      '--consent-recorded-by <name>',
      "who collected the person's consent (recorded with the consent text in force; required)",
    )
    .option('--accept-duplicates', 'also enroll photos whose face is already enrolled as someone else')
    .argument('<images...>', 'photos of the person (JPEG, PNG or WebP)')
    .action(
      async (
        images: string[],
        opts: { name: string; consentRecordedBy: string; acceptDuplicates?: boolean },
        cmd: Command,
      ) => {
        const files = images.map(photoFile);
        await withEngine(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
          const { person, results } = await enrollFiles(app, opts.name, files, opts);
          const skipped = report(results);
          const added = results.filter((r) => r.ok).length;
          if (person)
            console.log(
              `${person.name}: ${added} template(s) added, ${app.people.get(person.id).templateCount} in all.`,
            );
          if (added === 0 && skipped === 0)
            throw new AppError(
              'NO_FACE',
              person
                ? 'No photo could be enrolled: see the reasons above.'
                : `No photo could be enrolled, so ${opts.name} was not added: see the reasons above.`,
            );
        });
      },
    );

  program
    .command('import')
    .description("enroll a folder with one sub-folder of photos per person (the sub-folder name is the person's name)")
    .argument('<dir>', 'folder to import', existingPath('directory'))
    .requiredOption(
      '--consent-recorded-by <name>',
      "who collected each person's consent (recorded with the consent text in force; required)",
    )
    .option('--accept-duplicates', 'also enroll photos whose face is already enrolled as someone else')
    .action(async (dir: string, opts: { consentRecordedBy: string; acceptDuplicates?: boolean }, cmd: Command) => {
      const people = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => ({
          folder: d.name,
          name: d.name.replace(/_/g, ' '),
          files: fs
            .readdirSync(path.join(dir, d.name))
            .filter(isImage)
            .sort()
            .map((f) => path.join(dir, d.name, f)),
        }))
        .filter((p) => p.files.length > 0);
      if (people.length === 0)
        throw new Error(
          `${dir} has no sub-folders with photos: put each person's photos in a folder named after them.`,
        );
      await withEngine(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
        const total = people.reduce((n, p) => n + p.files.length, 0);
        const bar = process.stderr.isTTY
          ? new SingleBar(
              { format: 'importing {bar} {value}/{total} photos  {person}', stream: process.stderr },
              Presets.shades_classic,
            )
          : null;
        bar?.start(total, 0, { person: '' });
        const failed: Array<{ name: string; message: string }> = [];
        let added = 0;
        let skipped = 0;
        const notAdded: string[] = [];
        const badNames: string[] = [];
        for (const p of people) {
          // A folder that cannot name a person is said, and the others are still imported.
          const problem = lineTextProblem(p.name.trim(), 'The folder name');
          if (problem) {
            badNames.push(`not added: ${visible(p.folder)}: ${problem.replace(/: [^:]*$/, ': rename the folder.')}`);
            bar?.increment(p.files.length, { person: '' });
            continue;
          }
          const r = await enrollFiles(app, p.name, p.files, opts, () => bar?.increment({ person: p.name }));
          if (!r.person) notAdded.push(p.name);
          for (const x of r.results)
            if (x.ok) added++;
            else if (x.alreadyEnrolled) skipped++;
            else
              failed.push({
                name: x.name,
                message: (x.error?.message ?? 'failed') + (x.duplicateOf ? DUPLICATE_HINT : ''),
              });
        }
        bar?.stop();
        for (const f of failed) console.log(`skipped ${path.relative(dir, f.name)}: ${f.message}`);
        for (const name of notAdded) console.log(`not added: ${name} (no photo of them could be enrolled)`);
        for (const line of badNames) console.log(line);
        console.log(
          `Imported ${people.length - notAdded.length - badNames.length} people: ${added} photos enrolled, ${skipped} already enrolled, ${failed.length} skipped.`,
        );
      });
    });

  program
    .command('identify')
    .description('say who is in each photo, or that they are not enrolled (one engine start for them all)')
    .argument('<images...>', 'photos to identify, or folders of photos (JPEG, PNG or WebP)', photoArguments)
    .option(
      '--model <dir>',
      "try a model folder written by presence train: everyone's face chips are embedded with it in memory (the stored templates stay as they are)",
      existingPath('directory'),
    )
    .option('--json', 'print one JSON object per line for each photo')
    .addHelpText(
      'after',
      '\nA folder stands for the photos directly in it, in name order. The exit code is 1 when any photo\n' +
        'could not be identified (unreadable, or no face in it): that photo has its own line, the others\n' +
        'are still identified. A face that is not enrolled is an answer, not a failure.',
    )
    .action(async (photos: Photo[], opts: { json?: boolean; model?: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      await withEngine({ ...global, existing: true, start: !opts.model }, async (app) => {
        let identify = app.identify;
        if (opts.model) {
          const trial = await app.identifyWithModel(opts.model);
          identify = trial.identify;
          const note = `Trying ${app.engine.status().encoderId} on ${trial.people} enrolled people${trial.withoutChips ? ` (${trial.withoutChips} left out: no stored face chip)` : ''}.`;
          if (opts.json) process.stderr.write(`${note}\n`);
          else console.log(note);
        }
        const lines: IdentifyLine[] = [];
        for (const photo of photos) {
          const line = await identifyPhoto(identify, photo.path);
          lines.push(line);
          console.log(opts.json ? JSON.stringify(line) : describeLine(photo.shown, line));
        }
        const failed = lines.filter((l) => l.error);
        if (!opts.json) console.log(summarise(lines));
        const first = failed[0]?.error;
        if (!first) return;
        // One photo: its own sentence, as before; several: how many, and where to look.
        if (lines.length === 1) throw new AppError(first.code, first.message);
        throw new AppError(
          first.code,
          `${failed.length} of ${lines.length} photos could not be identified (${[
            ...new Set(failed.map((l) => l.error!.code)),
          ].join(', ')}): see their lines${opts.json ? ' ("error")' : ' above'}.`,
        );
      });
    });
}

/** A photo to identify: its full path, and the path as the user gave it (for the human-readable lines). */
interface Photo {
  path: string;
  shown: string;
}

/** Commander's parser for `<images...>`: called once per argument with the photos so far. */
function photoArguments(value: string, previous: Photo[] | undefined): Photo[] {
  const { full, stat } = statArgument(value);
  const found = stat.isDirectory()
    ? fs
        .readdirSync(full, { withFileTypes: true })
        .filter((d) => d.isFile() && isImage(d.name))
        .map((d) => d.name)
        .sort()
        .map((name) => ({ path: path.join(full, name), shown: path.join(value, name) }))
    : [{ path: full, shown: value }];
  if (found.length === 0) throw new InvalidArgumentError(`${value} has no JPEG, PNG or WebP photos in it.`);
  return [...(previous ?? []), ...found];
}

interface FaceDecision {
  box: { x: number; y: number; width: number; height: number };
  personId: string | null;
  name: string | null;
  distance: number;
  threshold: number;
  accepted: boolean;
  reason: MatchReason;
}

/**
 * One line of `identify --json`. The top-level decision is the largest face's, the one the kiosk would
 * identify; `faces` lists every face found, largest first (the one-photo format of earlier versions).
 */
interface IdentifyLine {
  image: string;
  faceCount: number;
  personId: string | null;
  name: string | null;
  /** Distance to the nearest enrolled person; null when nobody is enrolled or the photo failed. */
  distance: number | null;
  /** The threshold in force; null when the photo failed before a face was compared. */
  alpha: number | null;
  accepted: boolean;
  reason: MatchReason | null;
  /** Why this photo could not be identified; null when it was. */
  error: { code: ErrorCode; message: string } | null;
  faces: FaceDecision[];
}

/** The app's own decision on one photo (IdentifyService: the kiosk's rule for every face in it). */
async function identifyPhoto(identify: IdentifyService, image: string): Promise<IdentifyLine> {
  let found;
  try {
    found = await identify.photo({ kind: 'file', path: image });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return {
      image,
      faceCount: 0,
      personId: null,
      name: null,
      distance: null,
      alpha: null,
      accepted: false,
      reason: null,
      error: { code: e.code, message: e.message },
      faces: [],
    };
  }
  const alpha = found[0]!.decision.threshold.alpha;
  const faces = found.map(({ box, decision, person }): FaceDecision => ({
    box,
    personId: person?.id ?? null,
    name: person?.name ?? null,
    distance: round(decision.distance),
    threshold: round(alpha),
    accepted: decision.accepted,
    reason: decision.reason,
  }));
  const main = faces[0]!;
  return {
    image,
    faceCount: faces.length,
    personId: main.personId,
    name: main.name,
    distance: Number.isFinite(main.distance) ? main.distance : null,
    alpha: round(alpha),
    accepted: main.accepted,
    reason: main.reason,
    error: null,
    faces,
  };
}

const REASON_TEXT: Record<MatchReason, string> = {
  accepted: 'recognised',
  above_threshold: 'not recognised',
  ambiguous: 'not recognised: too close to call between two enrolled people',
  empty: 'not recognised: nobody is enrolled',
};

function describeLine(shown: string, line: IdentifyLine): string {
  if (line.error) return `${shown}: ${line.error.code} ${line.error.message}`;
  const who = line.accepted && line.name ? line.name : REASON_TEXT[line.reason ?? 'above_threshold'];
  const distance =
    line.distance === null ? '' : `${line.accepted ? 'distance' : 'nearest distance'} ${line.distance}, `;
  const others = line.faceCount > 1 ? `; ${line.faceCount - 1} more face(s) in the photo (--json lists them)` : '';
  return `${shown}: ${who} (${distance}threshold ${line.alpha})${others}`;
}

function summarise(lines: readonly IdentifyLine[]): string {
  const recognised = lines.filter((l) => l.accepted).length;
  const failed = lines.filter((l) => l.error).length;
  const alpha = lines.find((l) => l.alpha !== null)?.alpha;
  return (
    `${lines.length} photo(s): ${recognised} recognised, ${lines.length - recognised - failed} not recognised, ` +
    `${failed} could not be identified${alpha === undefined ? '' : ` (threshold ${alpha})`}.`
  );
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : x;
}

/** Prints why each photo was not added; returns how many were already enrolled. */
function report(results: readonly PhotoResult[]): number {
  let skipped = 0;
  for (const r of results) {
    if (r.alreadyEnrolled) skipped++;
    else if (!r.ok) console.log(`skipped ${r.name}: ${r.error?.message}${r.duplicateOf ? DUPLICATE_HINT : ''}`);
    else if (r.duplicateOf)
      console.log(`warning: ${r.name} looks like ${r.duplicateOf.name}, who is already enrolled.`);
  }
  if (skipped > 0) console.log(`${skipped} photo(s) were already enrolled and were skipped.`);
  return skipped;
}
