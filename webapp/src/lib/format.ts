import type { Price } from "../api/client.ts";

const digitsCache = new Map<string, number>();

/** How many minor units a currency has (2 for USD, 0 for JPY, 3 for KWD). */
export function currencyDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsCache.set(currency, digits);
  }
  return digits;
}

export function formatPrice(price: Price): string {
  const digits = currencyDigits(price.currency);
  const major = price.amount / 10 ** digits;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: price.currency }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${price.currency}`;
  }
}

export function minorToInput(price: Price): string {
  const digits = currencyDigits(price.currency);
  return (price.amount / 10 ** digits).toFixed(digits);
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
