import { describe, expect, it } from "vitest";
import { PriceSchema } from "#src/routes/product-schemas.ts";
import { checkPrice, MAX_PRICE_MINOR } from "./price.ts";

/** One table of cases for the form's check and the API's schema (house rule 11). */
const cases: { text: string; currency: string; amount?: number; error?: RegExp }[] = [
  { text: "4.99", currency: "USD", amount: 499 },
  { text: "12.5", currency: "EUR", amount: 1250 },
  { text: "0", currency: "USD", amount: 0 },
  { text: "3,20", currency: "EUR", amount: 320 },
  { text: "1000000", currency: "USD", amount: MAX_PRICE_MINOR },
  { text: "100000000", currency: "JPY", amount: MAX_PRICE_MINOR },
  { text: "500", currency: "JPY", amount: 500 },
  { text: "-5", currency: "USD", error: /^The price cannot be negative\.$/ },
  { text: "99999999999", currency: "USD", error: /^The highest price is \$1,000,000\.00\.$/ },
  { text: "1000000.01", currency: "USD", error: /^The highest price is/ },
  { text: "1.999", currency: "USD", error: /^USD prices have at most 2 decimals: 1\.999 has 3\.$/ },
  {
    text: "4.99",
    currency: "JPY",
    error: /^JPY prices are whole numbers, with no decimals: enter 5 rather than 4\.99\.$/,
  },
  { text: "", currency: "USD", error: /^Enter a price/ },
  { text: "$4", currency: "USD", error: /without a currency sign/ },
  { text: "4e3", currency: "USD", error: /as a number/ },
];

describe("checkPrice (the product form's price check)", () => {
  it.each(cases)("$text $currency", ({ text, currency, amount, error }) => {
    const checked = checkPrice(text, currency);
    if (amount !== undefined) {
      expect(checked).toEqual({ amount });
      expect(PriceSchema.safeParse({ amount, currency }).success).toBe(true);
    } else {
      expect("error" in checked && checked.error).toMatch(error as RegExp);
    }
  });

  it("allows exactly what the API allows at the upper edge", () => {
    expect(PriceSchema.safeParse({ amount: MAX_PRICE_MINOR, currency: "USD" }).success).toBe(true);
    expect(PriceSchema.safeParse({ amount: MAX_PRICE_MINOR + 1, currency: "USD" }).success).toBe(false);
  });
});
