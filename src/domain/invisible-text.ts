/**
 * Characters a person cannot see, by Unicode property rather than by a hand list (ADR 016):
 * - Default_Ignorable_Code_Point: what fonts draw as nothing — zero-width space, joiners and
 *   non-joiners, word joiner, invisible operators, BOM, soft hyphen, combining grapheme joiner,
 *   variation selectors, tag characters (U+E0000 block), the Hangul fillers (U+115F, U+1160,
 *   U+3164, U+FFA0), Mongolian vowel separator and free variation selectors, bidi controls;
 * - Cf (format): the remaining invisible controls (Arabic number signs, interlinear annotation…);
 * - U+2800 BRAILLE PATTERN BLANK: a symbol (So) by category, but it renders as an empty cell and
 *   is the usual "blank name" trick where spaces are trimmed.
 * A filename padded with any of them can push its real extension out of sight ("report.pdf" +
 * 200 invisible characters + ".exe").
 */
export const INVISIBLE_CHARACTER = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]/u;
const INVISIBLE_CHARACTERS = new RegExp(INVISIBLE_CHARACTER.source, "gu");
/** Any run of white space (ideographic, em, no-break… spaces too): one space shows as much. */
const WHITE_SPACE_RUN = /[\p{White_Space}]{2,}/gu;

/** The text without invisible characters, with runs of white space shown as one space. */
export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE_CHARACTERS, "").replace(WHITE_SPACE_RUN, " ");
}

/** True when nothing a person could read is left: only white space and invisible characters. */
export function looksBlank(text: string): boolean {
  return withoutInvisible(text).trim().length === 0;
}
