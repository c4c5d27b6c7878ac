// Human-friendly name matching and ordering. SQLite's NOCASE and LIKE fold ASCII only, so "zoë" would
// neither find "ZOË" nor sort next to "Zoe"; people lists are small enough to filter and sort here.

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Lower-case without accents: "Zoë Ündèr" -> "zoe under". */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** Case- and accent-insensitive order for display. */
export function compareNames(a: string, b: string): number {
  return collator.compare(a, b);
}
