import { describe, expect, it } from 'vitest';
import en from '../../src/renderer/locales/en.json';
import zhCN from '../../src/renderer/locales/zh-CN.json';

type Tree = { [key: string]: string | Tree };

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [prefix + k] : keys(v, `${prefix}${k}.`)));
}

/** Chinese has a single plural form: i18next looks up `key_other` where English has `_one` and `_other`. */
function base(key: string): string {
  return key.replace(/_(one|other)$/, '');
}

describe('locale files', () => {
  it('Simplified Chinese has every string that English has, and nothing stale', () => {
    const enKeys = new Set(keys(en as Tree).map(base));
    const zhKeys = new Set(keys(zhCN as Tree).map(base));
    expect([...enKeys].filter((k) => !zhKeys.has(k))).toEqual([]);
    expect([...zhKeys].filter((k) => !enKeys.has(k))).toEqual([]);
  });

  it('keeps the same interpolation variables in both languages', () => {
    const vars = (s: string) => [...s.matchAll(/{{(\w+)}}/g)].map((m) => m[1]).sort();
    const flat = (tree: Tree) =>
      Object.fromEntries(
        keys(tree).map((k) => [base(k), k.split('.').reduce<Tree | string>((t, p) => (t as Tree)[p], tree)]),
      );
    const e = flat(en as Tree);
    const z = flat(zhCN as Tree);
    for (const k of Object.keys(e)) expect(vars(String(z[k])), k).toEqual(vars(String(e[k])));
  });
});

describe('error sentences', () => {
  it("English shows main's sentence; Chinese shows the translation of the code, or main's sentence when there is none", async () => {
    const { i18n } = await import('../../src/renderer/lib/i18n.svelte');
    const noFace = {
      code: 'NO_FACE',
      message: 'No face found in this photo: use a photo where the face is clearly visible.',
    };
    const invalid = { code: 'INVALID_INPUT', message: 'A name is required (name).' };
    try {
      expect(i18n.errorText(noFace)).toBe(noFace.message);
      i18n.setLocale('zh-CN');
      expect(i18n.errorText(noFace)).toBe('未找到人脸，请使用能清楚看到脸部的照片。');
      expect(i18n.errorText(invalid)).toBe(invalid.message);
    } finally {
      i18n.setLocale('en');
    }
  });
});
