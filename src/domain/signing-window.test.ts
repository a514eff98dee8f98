import { describe, expect, it } from "vitest";
import { secondsUntil, signingWindow } from "./signing-window.ts";

describe("signingWindow", () => {
  it("gives every instant of a window the same start, and the next window a new one", () => {
    const at = (iso: string) => signingWindow(new Date(iso), 600);
    expect(at("2026-11-27T10:00:00.000Z").signedAt.toISOString()).toBe("2026-11-27T10:00:00.000Z");
    expect(at("2026-11-27T10:09:59.999Z").signedAt.toISOString()).toBe("2026-11-27T10:00:00.000Z");
    expect(at("2026-11-27T10:10:00.000Z").signedAt.toISOString()).toBe("2026-11-27T10:10:00.000Z");
    expect(at("2026-11-27T10:09:59.999Z").endsAt.toISOString()).toBe("2026-11-27T10:10:00.000Z");
  });

  it("counts whole seconds left, never below zero", () => {
    const now = new Date("2026-11-27T10:09:58.500Z");
    expect(secondsUntil(signingWindow(now, 600).endsAt, now)).toBe(1);
    expect(secondsUntil(new Date("2026-11-27T10:00:00Z"), now)).toBe(0);
  });
});
