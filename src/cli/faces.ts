// `presence enroll`, `presence import`, `presence identify`: faces from photo files.
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import { AppError } from '../shared/errors';
import type { PresenceApp } from '../main/app';
import { existingPath, openApp, type GlobalOptions } from './context';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);
const CLI_CONSENT_NOTE = 'recorded by the administrator with the presence CLI';
const DUPLICATE_HINT = ' (--accept-duplicates adds it anyway)';

function isImage(file: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** `existing`: the command only reads, so a database that is not there is a mistyped --db (see openApp). */
async function withEngine<T>(
  opts: GlobalOptions & { existing?: boolean },
  fn: (app: PresenceApp) => Promise<T>,
): Promise<T> {
  const app = openApp(opts, 'in-process', { existing: opts.existing });
  try {
    await app.startEngine();
    return await fn(app);
  } finally {
    await app.close();
  }
}

/**
 * Enrolls files for the person of that name in one go, skipping files already enrolled for them (re-runs
 * add nothing) and byte-identical copies within the run. A new name becomes a person only with a good
 * photo, so a folder of bad photos leaves no empty person behind; the thumbnail is the first straight
 * photo of the lot. Returns the person, or null when none exists (no good photo).
 */
async function enrollFiles(
  app: PresenceApp,
  name: string,
  files: readonly string[],
  { consentBy, acceptDuplicates }: { consentBy: string; acceptDuplicates?: boolean },
  onFile?: () => void,
) {
  const existing = app.people.findByName(name) ?? null;
  const known = existing ? app.store.templates.sourceRefs(existing.id) : new Set<string>();
  const fresh: { file: string; ref: string }[] = [];
  for (const file of files) {
    const ref = sha256(file);
    if (known.has(ref)) continue;
    known.add(ref);
    fresh.push({ file, ref });
  }
  if (fresh.length === 0) return { person: existing, results: [], skipped: files.length };
  const { results, commit } = await app.enrollment.importPhotos(
    existing ? { personId: existing.id } : { newPerson: { name } },
    fresh.map(({ file, ref }) => ({ name: file, input: { kind: 'file', path: file }, sourceRef: ref })),
    { given: true, by: consentBy },
    'cli',
    'cli',
    { onPhoto: onFile, acceptDuplicates },
  );
  return { person: commit?.person ?? existing, results, skipped: files.length - fresh.length };
}

export function registerFaces(program: Command): void {
  program
    .command('enroll')
    .description('enroll a person from photo files (creates the person if the name is new)')
    .requiredOption('--name <name>', "the person's full name")
    .option('--consent-by <who>', "who recorded the person's consent", CLI_CONSENT_NOTE)
    .option('--accept-duplicates', 'also enroll photos whose face is already enrolled as someone else')
    .argument('<images...>', 'photos of the person (JPEG, PNG or WebP)')
    .action(
      async (images: string[], opts: { name: string; consentBy: string; acceptDuplicates?: boolean }, cmd: Command) => {
        const files = images.map(existingPath('file'));
        await withEngine(cmd.optsWithGlobals<GlobalOptions>(), async (app) => {
          const { person, results, skipped } = await enrollFiles(app, opts.name, files, opts);
          report(results, skipped);
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
    .option('--consent-by <who>', "who recorded the people's consent", CLI_CONSENT_NOTE)
    .option('--accept-duplicates', 'also enroll photos whose face is already enrolled as someone else')
    .action(async (dir: string, opts: { consentBy: string; acceptDuplicates?: boolean }, cmd: Command) => {
      const people = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => ({
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
        for (const p of people) {
          const r = await enrollFiles(app, p.name, p.files, opts, () => bar?.increment({ person: p.name }));
          bar?.increment(r.skipped, { person: p.name });
          skipped += r.skipped;
          if (!r.person) notAdded.push(p.name);
          for (const x of r.results)
            if (x.ok) added++;
            else
              failed.push({
                name: x.name,
                message: (x.error?.message ?? 'failed') + (x.duplicateOf ? DUPLICATE_HINT : ''),
              });
        }
        bar?.stop();
        for (const f of failed) console.log(`skipped ${path.relative(dir, f.name)}: ${f.message}`);
        for (const name of notAdded) console.log(`not added: ${name} (no photo of them could be enrolled)`);
        console.log(
          `Imported ${people.length - notAdded.length} people: ${added} photos enrolled, ${skipped} already enrolled, ${failed.length} skipped.`,
        );
      });
    });

  program
    .command('identify')
    .description('say who is in a photo, or that they are not enrolled')
    .argument('<image>', 'photo to identify', existingPath('file'))
    .option('--json', 'print one JSON object')
    .action(async (image: string, opts: { json?: boolean }, cmd: Command) => {
      await withEngine({ ...cmd.optsWithGlobals<GlobalOptions>(), existing: true }, async (app) => {
        const analysis = await app.engine.analyze(
          { kind: 'file', path: image },
          { maxFaces: 10, liveness: true, embed: true },
        );
        if (analysis.faces.length === 0) throw new AppError('NO_FACE', 'No face found in this photo.');
        const settings = app.settings();
        const faces = analysis.faces.map((face) => {
          const d = app.index.identify(face.embedding, settings);
          const person = d.accepted && d.personId ? app.store.people.get(d.personId) : undefined;
          return {
            box: face.box,
            personId: person?.id ?? null,
            name: person?.name ?? null,
            distance: round(d.distance),
            threshold: app.index.threshold(settings),
            reason: d.reason,
          };
        });
        if (opts.json) console.log(JSON.stringify({ image, faces }));
        else
          for (const f of faces)
            console.log(
              f.name
                ? `${f.name} (distance ${f.distance})`
                : `not recognised (nearest distance ${f.distance}, threshold ${f.threshold})`,
            );
      });
    });
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : x;
}

function report(
  results: ReadonlyArray<{
    name: string;
    ok: boolean;
    error: { message: string } | null;
    duplicateOf: { name: string } | null;
  }>,
  skipped: number,
): void {
  for (const r of results) {
    if (!r.ok) console.log(`skipped ${r.name}: ${r.error?.message}${r.duplicateOf ? DUPLICATE_HINT : ''}`);
    else if (r.duplicateOf)
      console.log(`warning: ${r.name} looks like ${r.duplicateOf.name}, who is already enrolled.`);
  }
  if (skipped > 0) console.log(`${skipped} photo(s) were already enrolled and were skipped.`);
}
