// Others already enrolled under the same name (shared/limits.ts nameKey), looked up before a person is
// added or renamed, so the administrator hears of it while they can still tell the two apart.
import type { PresenceApi } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { nameKey } from '../../shared/limits';
import type { Person } from '../../shared/types';

export async function namesakesOf(
  api: Pick<PresenceApi, 'people'>,
  name: string,
  exceptId: string | null = null,
): Promise<Result<Person[]>> {
  const key = nameKey(name);
  // The search matches names containing the text; the same name by nameKey is picked from those.
  const r = await api.people.list({ query: name.normalize('NFKC').trim().replace(/\s+/gu, ' ') });
  if (!r.ok) return r;
  return { ok: true, value: r.value.filter((p) => p.id !== exceptId && nameKey(p.name) === key) };
}
