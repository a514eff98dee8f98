import { currencyDigits, formatPrice } from "./format.ts";

/** The largest price the API takes, in minor units (PriceSchema in src/routes/product-schemas.ts). */
export const MAX_PRICE_MINOR = 100_000_000;

export type PriceCheck = { amount: number } | { error: string };

/**
 * What a person typed as a price, in the currency's minor units, or what exactly is wrong with it:
 * "-5", "99999999999", "1.999" and "4.99 in JPY" each get their own sentence.
 */
export function checkPrice(text: string, currency: string): PriceCheck {
  const digits = currencyDigits(currency);
  const trimmed = text.trim().replace(",", ".");
  if (trimmed === "") return { error: "Enter a price, like 4.99 (0 for a free product)." };
  if (/^-/.test(trimmed)) return { error: "The price cannot be negative." };
  if (!/^\d*(\.\d*)?$/.test(trimmed) || trimmed === ".") {
    return { error: "Enter the price as a number, like 4.99, without a currency sign." };
  }
  const [whole = "", fraction = ""] = trimmed.split(".");
  if (fraction.length > digits) {
    return {
      error:
        digits === 0
          ? `${currency} prices are whole numbers, with no decimals: enter ${Math.round(Number(trimmed))} rather than ${trimmed}.`
          : `${currency} prices have at most ${digits} decimal${digits === 1 ? "" : "s"}: ${trimmed} has ${fraction.length}.`,
    };
  }
  const wholeDigits = whole.replace(/^0+(?=\d)/, "");
  const maxWhole = Math.floor(MAX_PRICE_MINOR / 10 ** digits);
  const tooHigh = { error: `The highest price is ${formatPrice({ amount: MAX_PRICE_MINOR, currency })}.` };
  if (wholeDigits.length > String(maxWhole).length) return tooHigh;
  const amount = Number(wholeDigits || "0") * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  if (amount > MAX_PRICE_MINOR) return tooHigh;
  return { amount };
}
