/**
 * The day that config rules bound to the calendar (Kubernetes version support) judge by: the
 * real clock, unless something pins it. Synth pins it for `--today`, and tests pin it so that a
 * config that passes a test today still passes it next year.
 */

let pinned: Date | undefined;

/** The pinned day, or now. */
export function configToday(): Date {
  return pinned ?? new Date();
}

/** Pins the day (undefined: back to the real clock); returns what was pinned before. */
export function pinConfigToday(today: Date | undefined): Date | undefined {
  const previous = pinned;
  pinned = today;
  return previous;
}

/** Runs `body` with the day pinned to `today`, when given (the mock engine does, for one run). */
export async function withConfigToday<T>(today: Date | undefined, body: () => Promise<T>): Promise<T> {
  if (today === undefined) return body();
  const previous = pinConfigToday(today);
  try {
    return await body();
  } finally {
    pinConfigToday(previous);
  }
}
