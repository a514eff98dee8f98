import { describe, expect, it } from "vitest";
import { jobCanRun, type LinkJob } from "./link-job.ts";

const job = (kind: LinkJob["kind"]): LinkJob => ({
  id: "j",
  kind,
  productId: "p",
  ownerId: "buyer",
  orderCreatedAt: "2026-01-01T00:00:00.000Z",
  createdAt: "2026-01-02T00:00:00.000Z",
});
const product = { id: "p" };
const order = (status: string, createdAt = "2026-01-01T00:00:00.000Z") => ({ status, createdAt });

describe("jobCanRun: a job's links are walked only once the write it follows is visible", () => {
  it.each([
    ["the order is refunded", order("refunded"), true],
    [
      "the order was refunded and bought again (a newer order)",
      order("active", "2026-01-03T00:00:00.000Z"),
      true,
    ],
    ["the order is gone", null, true],
    [
      "the order is still the active one the refund read (the mark has not landed, or never will)",
      order("active"),
      false,
    ],
  ])("refund: %s → %s", (_case, state, expected) => {
    expect(jobCanRun(job("revoke-owner"), { product, order: state })).toBe(expected);
  });

  it("delete: only once the product is gone", () => {
    expect(jobCanRun(job("revoke-product"), { product, order: null })).toBe(false);
    expect(jobCanRun(job("revoke-product"), { product: null, order: null })).toBe(true);
  });

  it("edit: at once (the product was written before the job)", () => {
    expect(jobCanRun(job("retarget"), { product, order: null })).toBe(true);
    expect(jobCanRun(job("retarget"), { product: null, order: null })).toBe(true);
  });

  it("file delete: only once the file is gone", () => {
    expect(jobCanRun(job("revoke-file"), { product: null, order: null, file: { id: "p" } })).toBe(false);
    expect(jobCanRun(job("revoke-file"), { product: null, order: null, file: null })).toBe(true);
  });
});
