import { InvalidArgumentError } from "commander";

/** `--max 3`: a whole number within bounds, or a usage error naming the option. */
export function integerIn(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value))
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const number = Number(value);
    if (number < min || number > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return number;
  };
}

const units: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--expires 7d` (m, h, d, w from now) or an ISO 8601 date-time; answers ISO 8601 in UTC. */
export function expiry(now: () => number = Date.now) {
  return (value: string): string => {
    const relative = /^(\d+)([mhdw])$/.exec(value);
    if (relative)
      return new Date(now() + Number(relative[1]) * (units[relative[2] as string] as number)).toISOString();
    if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)))
      return new Date(value).toISOString();
    throw new InvalidArgumentError(
      "expected a duration from now (30m, 12h, 7d, 2w) or an ISO 8601 date-time.",
    );
  };
}

/** Repeatable options (`--tag a --tag b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
