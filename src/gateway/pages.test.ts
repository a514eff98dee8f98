import { describe, expect, it } from "vitest";
import type { Link } from "#src/domain/link.ts";
import { confirmPage, readableSize } from "./pages.ts";

const link: Link = {
  id: "a".repeat(64),
  ownerId: "buyer",
  productId: "p".repeat(16),
  productTitle: "<b>Guide</b> & co",
  objectKey: "files/p/v1",
  defaultFilename: "guide.pdf",
  fileSize: 12_500_000,
  sellerName: "seller<script>",
  tokenHint: "abcd",
  createdAt: "2026-01-01T00:00:00.000Z",
  maxDownloads: 3,
  downloadCount: 1,
};

describe("confirmPage", () => {
  it("names the file, the product, its seller and the size, all escaped", () => {
    const html = confirmPage(link, 2);
    expect(html).toContain("<h1>guide.pdf</h1>");
    expect(html).toContain(
      "<p><b>&lt;b&gt;Guide&lt;/b&gt; &amp; co</b> · sold by seller&lt;script&gt; · 12.5 MB</p>",
    );
    expect(html).toContain("This link has 2 downloads left.");
    expect(html).not.toContain("<script>");
  });

  it("leaves out what a link made before these facts were kept does not know", () => {
    const { fileSize: _size, sellerName: _seller, ...older } = link;
    expect(confirmPage(older, 1)).toContain("<p><b>&lt;b&gt;Guide&lt;/b&gt; &amp; co</b></p>");
  });

  it("a file link: shared by its owner, not sold; the file's name once, unless the link renames it", () => {
    const fileLink: Link = {
      ...link,
      fileId: "evf_x",
      productTitle: "Rechnung März.pdf",
      defaultFilename: "Rechnung März.pdf",
      sellerName: "invoicing",
    };
    const html = confirmPage(fileLink, 1);
    expect(html).toContain("<h1>Rechnung März.pdf</h1><p>shared by invoicing · 12.5 MB</p>");
    expect(html).not.toContain("sold by");
    expect(confirmPage({ ...fileLink, filename: "invoice.pdf" }, 1)).toContain(
      "<h1>invoice.pdf</h1><p><b>Rechnung März.pdf</b> · shared by invoicing · 12.5 MB</p>",
    );
  });
});

describe("readableSize", () => {
  it.each([
    [0, "0 bytes"],
    [1, "1 byte"],
    [999, "999 bytes"],
    [1000, "1.0 kB"],
    [524_288, "524 kB"],
    [999_999, "1.0 MB"],
    [12_500_000, "12.5 MB"],
    [5_368_709_120, "5.4 GB"],
  ])("%d bytes read as %s", (bytes, text) => {
    expect(readableSize(bytes)).toBe(text);
  });
});
