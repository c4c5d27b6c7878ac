// `presence people list|add|erase|export|consent|withdraw-consent`.
import fs from 'node:fs';
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { AppError } from '../shared/errors';
import { openApp, type GlobalOptions } from './context';

export function registerPeople(program: Command): void {
  const people = program
    .command('people')
    .description("list, add and erase people; export a person's data; their consent history");

  people
    .command('list')
    .description('list people with their number of face templates')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        // Probable duplicates come from a review of the gallery, which needs the engine's embedding space.
        let reviewed = true;
        try {
          await app.startEngine();
          await app.index.reviewed();
        } catch {
          reviewed = false;
        }
        const list = app.people.list();
        if (opts.json) console.log(JSON.stringify(list, null, 2));
        else if (list.length === 0) console.log('No people yet. Add one with: presence people add "Name"');
        else {
          for (const p of list) {
            console.log(`${p.id}  ${p.name}${p.externalId ? ` (${p.externalId})` : ''}  templates: ${p.templateCount}`);
            for (const d of p.probableDuplicates ?? [])
              console.log(
                `    probable duplicate of ${d.name} (${d.id}, distance ${d.distance.toFixed(3)}): the same face under two names? Delete one record.`,
              );
            const n = p.unreadable?.templates ?? 0;
            if (n > 0)
              console.log(
                `    ${n} face template${n === 1 ? '' : 's'} cannot be read: re-enroll (presence enroll --name "${p.name}" PHOTO...)`,
              );
            if (p.unreadable?.thumbnail) console.log('    the photo cannot be read: re-enroll to replace it');
          }
          if (!reviewed) console.log('(The face engine could not start, so probable duplicates were not checked.)');
        }
      } finally {
        await app.close();
      }
    });

  people
    .command('add')
    .description('add a person (enroll their face with "presence enroll")')
    .argument('<name>', 'full name as it should be greeted')
    .option('--external-id <id>', 'employee or student number')
    .action(async (name: string, opts: { externalId?: string }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>());
      try {
        const namesakes = app.people.namesakes(name);
        const person = app.people.create({ name, externalId: opts.externalId ?? null }, 'cli');
        console.log(`Added ${person.name} (${person.id}).`);
        for (const other of namesakes) {
          console.error(
            `Note: ${other.name} (${other.id}${other.externalId ? `, external ID ${other.externalId}` : ', no external ID'}) ` +
              'has the same name. Give the two distinct external IDs or notes, so that attendance and exports tell them apart.',
          );
        }
      } finally {
        await app.close();
      }
    });

  people
    .command('erase')
    .description(
      'erase a person: face data, notes and ID number go, the name becomes a random label (attendance per Settings)',
    )
    .argument('<id-or-name>', "the person's id, or their exact name")
    .option('--confirm-name <name>', "the person's name again, to confirm (asked for on a terminal otherwise)")
    .action(async (who: string, opts: { confirmName?: string }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const person = findPerson(app, who);
        const confirmName = opts.confirmName ?? (await askName(person.name));
        const r = app.people.erase(person.id, confirmName, 'cli');
        console.log(
          `Erased ${person.name}: face data, notes and ID number are gone. ` +
            (r.attendance === 'kept'
              ? `${r.attendanceRows} attendance record(s) are kept for payroll as "${r.label}".`
              : `${r.attendanceRows} attendance record(s) were deleted.`),
        );
      } finally {
        await app.close();
      }
    });

  people
    .command('export')
    .description(
      "one person's data (record, consent history, attendance, photos) as a ZIP, for a subject access request",
    )
    .argument('<id-or-name>', "the person's id, or their exact name")
    .requiredOption('--out <file>', 'the ZIP file to write')
    .action(async (who: string, opts: { out: string }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const person = findPerson(app, who);
        const file = app.people.export(person.id, 'cli');
        // 0600: the archive holds the person's face images.
        fs.writeFileSync(opts.out, file.bytes, { mode: 0o600 });
        console.log(`Wrote the data of ${person.name} to ${opts.out} (${Math.ceil(file.bytes.byteLength / 1024)} KB).`);
      } finally {
        await app.close();
      }
    });

  people
    .command('consent')
    .description("a person's consent history: every time consent was given or withdrawn")
    .argument('<id-or-name>', "the person's id, or their exact name")
    .option('--json', 'print JSON instead of lines')
    .action(async (who: string, opts: { json?: boolean }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const person = findPerson(app, who);
        const events = app.people.consentHistory(person.id);
        if (opts.json) console.log(JSON.stringify(events, null, 2));
        else if (events.length === 0) console.log(`No consent is recorded for ${person.name}.`);
        else
          for (const e of events)
            console.log(
              `${e.at}  ${e.kind}  recorded by ${e.recordedBy} (${e.method})` +
                (e.textVersion === null ? '' : `, consent text version ${e.textVersion}`),
            );
      } finally {
        await app.close();
      }
    });

  people
    .command('withdraw-consent')
    .description('record that a person withdrew their consent: their face data is erased at once, the person stays')
    .argument('<id-or-name>', "the person's id, or their exact name")
    .requiredOption('--recorded-by <name>', 'who records the withdrawal')
    .action(async (who: string, opts: { recordedBy: string }, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const person = findPerson(app, who);
        const r = app.people.withdrawConsent(person.id, opts.recordedBy, 'cli', 'cli');
        console.log(
          `Consent of ${person.name} withdrawn: ${r.templatesErased} face template(s)` +
            `${r.thumbnailErased ? ' and the photo' : ''} erased. They can be enrolled again with a new consent.`,
        );
      } finally {
        await app.close();
      }
    });
}

/** Asks for the name on a terminal; without one, --confirm-name is the only way to confirm. */
async function askName(name: string): Promise<string> {
  if (!process.stdin.isTTY)
    throw new AppError('INVALID_INPUT', `Erasure cannot be undone: confirm it with --confirm-name "${name}".`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(`Erasing cannot be undone. Type the name "${name}" to confirm: `);
  } finally {
    rl.close();
  }
}

export function findPerson(app: ReturnType<typeof openApp>, who: string) {
  const byId = app.people.list().find((p) => p.id === who);
  if (byId) return byId;
  const matches = app.people.list(who).filter((p) => p.name.toLocaleLowerCase() === who.trim().toLocaleLowerCase());
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new Error(`${matches.length} people are called "${who}": use the id from "presence people list".`);
  throw new Error(`Nobody called "${who}" is enrolled: see "presence people list".`);
}
