// Names the rule of shared/limits.ts refuses and accepts, shared by the tests of each place that applies it.

/** Text the rule refuses, with what the sentence must say. */
export const REFUSED: ReadonlyArray<[string, string, RegExp]> = [
  ['starts with NUL', '\u0000Ada', /control character \(U\+0000\)/],
  ['holds a tab', 'Ada\tLovelace', /control character \(U\+0009\)/],
  ['holds a line feed', 'Ada\nLovelace', /control character \(U\+000A\)/],
  ['holds a C1 control', 'Ada\u0085', /control character \(U\+0085\)/],
  ['holds a line separator', 'Ada\u2028Lovelace', /control character \(U\+2028\)/],
  ['holds a lone high surrogate', 'Ada \uD800', /broken character/],
  ['holds a lone low surrogate', '\uDC00Ada', /broken character/],
  ['is only zero-width characters', '\u200B\u200C\u200D\u2060\uFEFF', /no visible character/],
  ['is only a Hangul filler', '\u3164', /no visible character/],
  ['is only a combining mark', '\u0301', /no visible character/],
  ['is only the blank Braille pattern', '\u2800', /no visible character/],
  ['holds a right-to-left override', '\u202Eada', /text-direction control \(U\+202E\)/],
  ['holds a left-to-right embedding', 'Ada\u202A', /text-direction control \(U\+202A\)/],
  ['holds an isolate', 'Ada \u2067x\u2069', /text-direction control \(U\+2067\)/],
  ['holds a first-strong isolate', '\u2068Ada\u2069', /text-direction control \(U\+2068\)/],
  ['holds a right-to-left mark', 'Ada\u200F', /text-direction control \(U\+200F\)/],
  ['holds a left-to-right mark', '\u200EAda', /text-direction control \(U\+200E\)/],
  ['holds an Arabic letter mark', 'Ada\u061C', /text-direction control \(U\+061C\)/],
];

/** Names from real people that must keep working. */
export const ACCEPTED = [
  'Ada Lovelace',
  'Zoë Ündèr',
  '李小龙',
  'محمد علي',
  // Persian needs the zero-width non-joiner, and emoji sequences the zero-width joiner.
  'می‌خواهم',
  'Ada 👩‍👩‍👧',
  'O’Brien-Smith Jr.',
  'अनुष्का शर्मा',
  'E-17',
];
