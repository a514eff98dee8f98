import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INVISIBLE_CHARACTER, looksBlank, withoutInvisible } from "./invisible-text.ts";

/** The characters issue 15 found in names, and their cousins: each must count as invisible. */
const named: Array<[string, number]> = [
  ["HANGUL FILLER", 0x3164],
  ["BRAILLE PATTERN BLANK", 0x2800],
  ["ZERO WIDTH SPACE", 0x200b],
  ["ZERO WIDTH NON-JOINER", 0x200c],
  ["ZERO WIDTH JOINER", 0x200d],
  ["LEFT-TO-RIGHT MARK", 0x200e],
  ["RIGHT-TO-LEFT MARK", 0x200f],
  ["RIGHT-TO-LEFT OVERRIDE", 0x202e],
  ["FIRST STRONG ISOLATE", 0x2068],
  ["WORD JOINER", 0x2060],
  ["INVISIBLE PLUS", 0x2064],
  ["ZERO WIDTH NO-BREAK SPACE (BOM)", 0xfeff],
  ["HANGUL CHOSEONG FILLER", 0x115f],
  ["HANGUL JUNGSEONG FILLER", 0x1160],
  ["HALFWIDTH HANGUL FILLER", 0xffa0],
  ["MONGOLIAN VOWEL SEPARATOR", 0x180e],
  ["COMBINING GRAPHEME JOINER", 0x034f],
  ["SOFT HYPHEN", 0x00ad],
  ["ARABIC LETTER MARK", 0x061c],
  ["VARIATION SELECTOR-16", 0xfe0f],
  ["VARIATION SELECTOR-256", 0xe01ef],
  ["LANGUAGE TAG", 0xe0001],
  ["TAG LATIN SMALL LETTER E", 0xe0065],
  ["CANCEL TAG", 0xe007f],
  ["KHMER VOWEL INHERENT AQ", 0x17b4],
  ["MUSICAL SYMBOL BEGIN BEAM", 0x1d173],
  ["SHORTHAND FORMAT LETTER OVERLAP", 0x1bca0],
];

const char = (codePoint: number) => String.fromCodePoint(codePoint);
const invisibleArb = fc.constantFrom(...named.map(([, codePoint]) => char(codePoint)));
const visibleArb = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 30 })
  .map((text) => withoutInvisible(text))
  .filter((text) => !looksBlank(text));

describe("INVISIBLE_CHARACTER", () => {
  it.each(named)("counts %s as invisible", (_name, codePoint) => {
    expect(INVISIBLE_CHARACTER.test(char(codePoint))).toBe(true);
  });

  it("counts no letter, digit, punctuation, symbol or space of Basic Latin and Latin-1 (bar the soft hyphen)", () => {
    for (let codePoint = 0x20; codePoint <= 0xff; codePoint++) {
      if (codePoint >= 0x7f && codePoint <= 0x9f) continue;
      expect(INVISIBLE_CHARACTER.test(char(codePoint)), codePoint.toString(16)).toBe(codePoint === 0xad);
    }
  });

  it("covers over 4,000 code points by property, and no letter or digit but the Hangul fillers", () => {
    let count = 0;
    const lettersOrDigits: string[] = [];
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const ch = char(codePoint);
      if (!INVISIBLE_CHARACTER.test(ch)) continue;
      count++;
      if (/[\p{L}\p{N}]/u.test(ch)) lettersOrDigits.push(codePoint.toString(16));
    }
    expect(count).toBeGreaterThan(4000);
    expect(lettersOrDigits).toEqual(["115f", "1160", "3164", "ffa0"]);
  });
});

describe("withoutInvisible and looksBlank", () => {
  it("removes invisible characters wherever they are, and shows a run of white space as one space", () => {
    expect(withoutInvisible(`report.pdf${char(0x3164).repeat(200)}.exe`)).toBe("report.pdf.exe");
    expect(withoutInvisible("a\u200b\u2060b\ufeff")).toBe("ab");
    expect(withoutInvisible("a \u3000\u00a0\u2003 b")).toBe("a b");
  });

  it("inserting any number of invisible characters anywhere changes nothing a person sees", () => {
    fc.assert(
      fc.property(
        visibleArb,
        fc.array(fc.tuple(fc.nat(), fc.array(invisibleArb, { minLength: 1, maxLength: 50 })), {
          maxLength: 10,
        }),
        (text, insertions) => {
          const chars = Array.from(text);
          for (const [at, padding] of insertions) chars.splice(at % (chars.length + 1), 0, ...padding);
          const padded = chars.join("");
          expect(withoutInvisible(padded)).toBe(withoutInvisible(text));
          expect(INVISIBLE_CHARACTER.test(withoutInvisible(padded))).toBe(false);
          expect(looksBlank(padded)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("calls text of only white space and invisible characters blank", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(invisibleArb, fc.constantFrom(" ", "\u3000", "\u00a0", "\t"))),
        (parts) => {
          expect(looksBlank(parts.join(""))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
    expect(looksBlank("\u3164")).toBe(true);
    expect(looksBlank("\u2800\u2800")).toBe(true);
    expect(looksBlank("a\u3164")).toBe(false);
  });
});
