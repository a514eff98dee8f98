import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attachmentDisposition, safeFilename } from "./content-disposition.ts";

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
