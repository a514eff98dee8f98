import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attachmentDisposition, safeFilename } from "./content-disposition.ts";
import { INVISIBLE_CHARACTER } from "./invisible-text.ts";

function decodedExtName(header: string): string {
  const match = /filename\*=UTF-8''([^;]*)$/.exec(header);
  if (!match?.[1]) throw new Error(`no filename* in ${header}`);
  return decodeURIComponent(match[1]);
}

describe("attachmentDisposition", () => {
  it("keeps a plain name as is", () => {
    expect(attachmentDisposition("report.pdf")).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    );
  });

  it("encodes unicode in filename* and falls back to underscores", () => {
    const header = attachmentDisposition("été 😀.txt");
    expect(header).toContain(`filename="_t_ _.txt"`);
    expect(decodedExtName(header)).toBe("été 😀.txt");
  });

  it("neutralises quotes, CR/LF, semicolons and path parts", () => {
    const header = attachmentDisposition('../../etc/pa"ss\r\nSet-Cookie: x=1; y.txt');
    expect(header).not.toMatch(/[\r\n]/);
    expect(decodedExtName(header)).toBe('pa"ssSet-Cookie: x=1; y.txt');
    expect(header).toContain(`filename="pa_ssSet-Cookie: x=1; y.txt"`);
  });

  it("percent-encodes ( ) ! ' * only where RFC 5987 requires", () => {
    const header = attachmentDisposition("a(b)!'*.txt");
    expect(header).toContain("filename*=UTF-8''a%28b%29!%27%2A.txt");
  });

  it("drops bidi overrides and isolates, so a name cannot disguise its extension", () => {
    expect(safeFilename("invoice\u202Efdp.exe")).toBe("invoicefdp.exe");
    expect(safeFilename("\u2067a\u2069\u200F\u200E\u061C\u202A\u202B\u202C\u202D\u2066\u2068b.txt")).toBe(
      "ab.txt",
    );
    expect(decodedExtName(attachmentDisposition("report\u202Ecod.exe"))).toBe("reportcod.exe");
  });

  it("drops invisible and blank-looking characters, so padding cannot push the extension out of sight", () => {
    expect(safeFilename(`report.pdf${"\u3164".repeat(150)}.exe`)).toBe("report.pdf.exe");
    expect(
      safeFilename(`invoice.pdf${"\u2800\u200b\u2060\ufeff\u115f\u1160\uffa0\u180e\u034f".repeat(20)}.exe`),
    ).toBe("invoice.pdf.exe");
    expect(safeFilename(`a.pdf${"\u{e0020}".repeat(100)}\ufe0f.exe`)).toBe("a.pdf.exe");
    expect(safeFilename(`a.pdf${" \u3000\u2003\u00a0".repeat(50)}.exe`)).toBe("a.pdf .exe");
    expect(safeFilename("\u3164\u2800")).toBe("download");
    expect(decodedExtName(attachmentDisposition(`x.txt${"\u200b".repeat(300)}.exe`))).toBe("x.txt.exe");
  });

  it("no invisible character survives into a saved name, and inserting them changes nothing (property)", () => {
    const invisible = fc.constantFrom(
      "\u3164",
      "\u2800",
      "\u200b",
      "\u200d",
      "\u2060",
      "\ufeff",
      "\u202e",
      "\u{e0041}",
      "\ufe0f",
      "\u00ad",
    );
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.array(invisible, { minLength: 1, maxLength: 40 })), { maxLength: 8 }),
        (name, insertions) => {
          const chars = Array.from(name);
          for (const [at, padding] of insertions) chars.splice(at % (chars.length + 1), 0, ...padding);
          const padded = chars.join("");
          expect(INVISIBLE_CHARACTER.test(safeFilename(padded))).toBe(false);
          expect(safeFilename(padded)).toBe(safeFilename(name));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("never yields an empty or dot name", () => {
    expect(safeFilename("")).toBe("download");
    expect(safeFilename("../")).toBe("download");
    expect(safeFilename("...")).toBe("download");
    expect(safeFilename(".hidden")).toBe("hidden");
  });

  it("always produces a single-line header whose filename* decodes to the safe name", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), (name) => {
        const header = attachmentDisposition(name);
        expect(header).toMatch(
          /^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%!#$&+\-.^_`|~]+$/,
        );
        expect(decodedExtName(header)).toBe(safeFilename(name));
      }),
      { numRuns: 2000 },
    );
  });
});
