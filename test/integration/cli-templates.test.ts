// `presence templates status|reembed` run in-process on a real database, with the real engine on real
// photos. PRESENCE_ENCODER stands for the default encoder of the Presence version that runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPresence } from '../helpers/cli';

const FACES = path.resolve(__dirname, '../fixtures/faces');
const OLD = 'dlib128-a51-flip';
const NEW = 'mfn-foamliu';

let dir: string;
let db: string;

/** Runs the CLI with PRESENCE_ENCODER=encoder. */
function presence(encoder: string, ...args: string[]) {
  return runPresence(db, args, { env: { PRESENCE_ENCODER: encoder } });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-cli-templates-'));
  db = path.join(dir, 'presence.db');
  for (const [name, file] of [
    ['Aaron Peirsol', 'Aaron_Peirsol_0001.jpg'],
    ['George W Bush', 'George_W_Bush_0001.jpg'],
  ]) {
    const r = await presence(
      OLD,
      'enroll',
      '--consent-recorded-by',
      'Test admin',
      '--name',
      name!,
      path.join(FACES, file!),
    );
    expect(r.code, r.err).toBe(0);
  }
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('presence templates', () => {
  it('status says which face model the templates belong to and what the next start will do', async () => {
    const r = await presence(NEW, 'templates', 'status');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`${OLD}: 2 template(s) of 2 people, 2 with a face chip`);
    expect(r.out).toContain(`Recognition uses ${NEW} (the default face model is ${NEW}).`);
    expect(r.out).toContain('2 template(s) will be re-embedded when the face engine next starts.');
  });

  it('reembed shows its progress and the result, then finds nothing more to do', async () => {
    const r = await presence(NEW, 'templates', 'reembed');
    expect(r.code, r.err).toBe(0);
    // Not a terminal here: plain progress lines on stderr instead of a bar.
    expect(r.err).toContain('re-embedding 0/2 templates\n');
    expect(r.err).toContain('re-embedding 2/2 templates\n');
    expect(r.out).toContain(`Re-embedded 2 template(s) of 2 people with ${NEW}; 0 people lack a face chip.`);
    const json = JSON.parse((await presence(NEW, 'templates', 'status', '--json')).out) as {
      galleryEncoder: string;
      models: Array<{ modelId: string; templates: number; withChip: number }>;
    };
    expect(json).toMatchObject({ galleryEncoder: NEW, models: [{ modelId: NEW, templates: 2, withChip: 2 }] });

    const again = await presence(NEW, 'templates', 'reembed');
    expect(again.code).toBe(0);
    expect(again.out).toContain(`Nothing to re-embed: all 2 template(s) use ${NEW}.`);
    const who = await presence(NEW, 'identify', path.join(FACES, 'Aaron_Peirsol_0002.jpg'));
    expect(who.out).toContain('Aaron Peirsol (distance');
  });

  it('fails with one line when people without a face chip keep recognition on their model', async () => {
    const sqlite = new Database(db);
    const aaron = sqlite.prepare("SELECT id FROM people WHERE name = 'Aaron Peirsol'").get() as { id: string };
    sqlite.prepare('UPDATE face_templates SET chip = NULL WHERE person_id = ?').run(aaron.id);
    sqlite.close();
    // A version whose default is dlib again: Aaron Peirsol's template (now chipless) cannot be moved to it.
    const r = await presence(OLD, 'templates', 'reembed');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([
      'presence: 1 person was enrolled with an older face model and has no stored face chip, so recognition must stay on that model: re-enroll them (or remove them) first; nothing was re-embedded.',
    ]);
    const status = await presence(OLD, 'templates', 'status');
    expect(status.out).toContain(`Recognition uses ${NEW} (the default face model is ${OLD}).`);
    expect(status.out).toContain('1 person was enrolled with an older face model and has no stored face chip');
  });
});
