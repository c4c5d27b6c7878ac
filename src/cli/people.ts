// `presence people list|add|remove`.
import type { Command } from 'commander';
import { openApp, type GlobalOptions } from './context';

export function registerPeople(program: Command): void {
  const people = program.command('people').description('list, add and remove enrolled people');

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
    .command('remove')
    .description('delete a person and erase their face templates')
    .argument('<id-or-name>', "the person's id, or their exact name")
    .action(async (who: string, _opts: unknown, cmd: Command) => {
      const app = openApp(cmd.optsWithGlobals<GlobalOptions>(), 'in-process', { existing: true });
      try {
        const person = findPerson(app, who);
        app.people.delete(person.id, 'cli');
        console.log(`Removed ${person.name}; their face templates are erased.`);
      } finally {
        await app.close();
      }
    });
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
