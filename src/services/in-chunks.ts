/** Consecutive slices of at most `size` items: the unit of bounded concurrency in a walk. */
export function* inChunks<T>(items: readonly T[], size: number): Generator<T[]> {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
