/**
 * A URL signed as of the start of its window is the same for every request in that window, so a
 * browser (or a CDN) may cache the redirect and the bytes. One rule for promo images and for the
 * links' caching mode.
 */
export function signingWindow(now: Date, windowSeconds: number): { signedAt: Date; endsAt: Date } {
  const windowMs = windowSeconds * 1000;
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return { signedAt: new Date(start), endsAt: new Date(start + windowMs) };
}

/** Whole seconds from `now` until `until`, never negative. */
export const secondsUntil = (until: Date, now: Date): number =>
  Math.max(0, Math.floor((until.getTime() - now.getTime()) / 1000));
