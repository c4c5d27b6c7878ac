// The administrator's edits of the groups main proposed (Group photos): merge two groups, move faces to
// a new group, set faces aside. Plain functions on plain data, so the rules are tested without a screen;
// main is asked again only for what it alone knows (who a group probably is: groups.match).
import type { GroupingResult, GroupMatch } from '../../shared/photo-groups';

/** A face as a contact sheet shows it. */
export interface SheetFace {
  id: string;
  photo: string;
  /** Object URL of the face thumbnail, made and revoked by the step that owns the set. */
  url: string | null;
  /** Why it cannot become a template, as a sentence; null when it can. */
  problem: string | null;
}

export interface SheetGroup {
  /** Stable for the screen's lifetime (keyed lists, labels): "Group 3" stays group 3 after edits. */
  key: number;
  faces: string[];
  /** The probable enrolled person; undefined while main is asked again after an edit. */
  match: GroupMatch | null | undefined;
}

export interface Sheets {
  groups: SheetGroup[];
  /** Faces that fit no group, and those the administrator took out of one. */
  loose: string[];
  nextKey: number;
}

/** Main's grouping as the screen edits it: groups largest first, numbered from 1. */
export function sheetsOf(result: GroupingResult): Sheets {
  const groups = result.groups.map((g, i) => ({ key: i + 1, faces: [...g.faces], match: g.match }));
  return { groups, loose: [...result.unclustered], nextKey: groups.length + 1 };
}

/** `from`'s faces join `into`, which is asked about again. */
export function mergeGroups(sheets: Sheets, into: number, from: number): Sheets {
  const source = sheets.groups.find((g) => g.key === from);
  if (!source || into === from || !sheets.groups.some((g) => g.key === into)) return sheets;
  return {
    ...sheets,
    groups: sheets.groups
      .filter((g) => g.key !== from)
      .map((g) => (g.key === into ? { ...g, faces: [...g.faces, ...source.faces], match: undefined } : g)),
  };
}

/**
 * The chosen faces (of one group, or loose ones) become a new group, placed after the group they came
 * from; a group left with no face goes. Both are asked about again.
 */
export function splitOff(sheets: Sheets, from: number | 'loose', faceIds: readonly string[]): Sheets {
  const chosen = new Set(faceIds);
  const moving = (from === 'loose' ? sheets.loose : (sheets.groups.find((g) => g.key === from)?.faces ?? [])).filter(
    (f) => chosen.has(f),
  );
  if (moving.length === 0) return sheets;
  const created: SheetGroup = { key: sheets.nextKey, faces: moving, match: undefined };
  const groups: SheetGroup[] = [];
  for (const g of sheets.groups) {
    if (g.key !== from) {
      groups.push(g);
      continue;
    }
    const rest = g.faces.filter((f) => !chosen.has(f));
    if (rest.length > 0) groups.push({ ...g, faces: rest, match: undefined });
    groups.push(created);
  }
  if (from === 'loose') groups.push(created);
  return {
    groups,
    loose: from === 'loose' ? sheets.loose.filter((f) => !chosen.has(f)) : sheets.loose,
    nextKey: sheets.nextKey + 1,
  };
}

/** A wrong face leaves its group for the loose faces; an emptied group goes. */
export function setAside(sheets: Sheets, from: number, faceIds: readonly string[]): Sheets {
  const chosen = new Set(faceIds);
  const group = sheets.groups.find((g) => g.key === from);
  if (!group) return sheets;
  const out = group.faces.filter((f) => chosen.has(f));
  if (out.length === 0) return sheets;
  const rest = group.faces.filter((f) => !chosen.has(f));
  return {
    ...sheets,
    groups: sheets.groups.flatMap((g) =>
      g.key !== from ? [g] : rest.length > 0 ? [{ ...g, faces: rest, match: undefined }] : [],
    ),
    loose: [...sheets.loose, ...out],
  };
}

/** Faces saved by an enrollment leave the sheets; a group all of whose faces were saved goes. */
export function withoutFaces(sheets: Sheets, faceIds: readonly string[]): Sheets {
  const gone = new Set(faceIds);
  return {
    ...sheets,
    groups: sheets.groups
      .map((g) => (g.faces.some((f) => gone.has(f)) ? { ...g, faces: g.faces.filter((f) => !gone.has(f)) } : g))
      .filter((g) => g.faces.length > 0),
    loose: sheets.loose.filter((f) => !gone.has(f)),
  };
}

/** Whether a chosen file may be a photo (a folder holds other files too): by its type, else its name. */
export function looksLikePhoto(file: { name: string; type: string }): boolean {
  if (file.type) return file.type.startsWith('image/');
  return /\.(jpe?g|png|webp|gif|bmp|tiff?|heic)$/i.test(file.name);
}
