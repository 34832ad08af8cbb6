/**
 * Names the platform derives from user input (credential names, role-assignment names) must be
 * injective: two distinct inputs that read the same once cleaned of characters or cut to a
 * length would otherwise get one name, and the second resource would collide with the first
 * (one URN, one Azure name). Each derivation keeps the input as it is where it is already a valid
 * name (so every name that exists today stays byte-identical) and adds this hash of the full
 * input only where it cleans or cuts. Pure.
 */
import { createHash } from "node:crypto";

/** The first `length` hex digits of the input's SHA-256. */
export function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}
