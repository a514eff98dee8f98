import { describe, expect, it } from "vitest";
import type { AppDeps } from "#src/app-deps.ts";
import type { Link } from "#src/domain/link.ts";
import type { PresignedGetOptions } from "#src/storage/ports.ts";
import { signLink } from "./consume.ts";

const link = { objectKey: "files/p/k", defaultFilename: "f.txt", downloadCount: 0 } as Link;

/** signLink's arithmetic with a recording presigner: which signing time, validity and max-age. */
function depsWith(window: number, ttl = 300) {
  const calls: PresignedGetOptions[] = [];
  const deps = {
    config: { LINK_URL_TTL_SECONDS: ttl, LINK_CACHE_WINDOW_SECONDS: window },
    files: {
      presignGet: async (_key: string, options: PresignedGetOptions) => {
        calls.push(options);
        return `url@${options.signedAt?.toISOString()}`;
      },
    },
  } as unknown as AppDeps;
  return { deps, calls };
}

describe("signLink", () => {
  it("without caching mode signs now and forbids caching", async () => {
    const { deps, calls } = depsWith(0);
    const now = new Date("2026-11-24T12:00:07.500Z");
    expect(await signLink(deps, link, now)).toEqual({ url: `url@${now.toISOString()}`, cacheSeconds: 0 });
    expect(calls[0]).toMatchObject({ expiresInSeconds: 300, downloadFilename: "f.txt" });
  });

  it("in caching mode signs as of the window's start, so hits in one window share a URL", async () => {
    const { deps } = depsWith(60);
    const a = await signLink(deps, link, new Date("2026-11-24T12:00:01Z"));
    const b = await signLink(deps, link, new Date("2026-11-24T12:00:59Z"));
    const c = await signLink(deps, link, new Date("2026-11-24T12:01:00Z"));
    expect(a.url).toBe(b.url);
    expect(c.url).not.toBe(a.url);
    expect(a.url).toBe("url@2026-11-24T12:00:00.000Z");
  });

  it("never lets a client cache longer than the window or the URL's remaining validity", async () => {
    const { deps } = depsWith(60, 120);
    expect((await signLink(deps, link, new Date("2026-11-24T12:00:00Z"))).cacheSeconds).toBe(60);
    // Signed at 12:00:00 for 120 s: at 12:00:59 the URL has 61 s left, minus a 5 s margin.
    expect((await signLink(deps, link, new Date("2026-11-24T12:00:59Z"))).cacheSeconds).toBe(56);
  });
});
