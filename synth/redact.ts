/**
 * Turning property values as they travel over the engine's gRPC protocol into plain JSON:
 * `redact` replaces every secret with "[secret]" (for anything printed or written), `reveal`
 * unwraps secrets (for schema validation and tests, never for output).
 */
import { createHash } from "node:crypto";
import {
  specialArchiveSig,
  specialAssetSig,
  specialOutputValueSig,
  specialResourceSig,
  specialSecretSig,
  specialSigKey,
  unknownValue,
} from "@pulumi/pulumi/runtime/rpc";

export const SIG_KEY = specialSigKey;
export const SECRET_SIG = specialSecretSig;
export const REDACTED = "[secret]";
export const UNKNOWN = "[unknown]";

type Mode = "redact" | "reveal";

function convert(value: unknown, mode: Mode): unknown {
  if (value === unknownValue) return UNKNOWN;
  if (Array.isArray(value)) return value.map((v) => convert(v, mode));
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  switch (object[specialSigKey]) {
    case specialSecretSig:
      return mode === "redact" ? REDACTED : convert(object.value, mode);
    case specialOutputValueSig:
      if (object.secret === true && mode === "redact") return REDACTED;
      return "value" in object ? convert(object.value, mode) : UNKNOWN;
    case specialResourceSig:
      return object.urn;
    case specialAssetSig:
    case specialArchiveSig:
      return { asset: object.path ?? object.uri ?? (object.text !== undefined ? "[text]" : "[archive]") };
    default:
      return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, convert(v, mode)]));
  }
}

/** A value marked secret on the wire (`{ [SIG_KEY]: SECRET_SIG, value }`). */
export function isSecretValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** Whether a value is or holds a secret anywhere in it. */
export function holdsSecret(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  return isSecretValue(value) || Object.values(value).some(holdsSecret);
}

export function redact(value: unknown): unknown {
  return convert(value, "redact");
}

export function reveal(value: unknown): unknown {
  return convert(value, "reveal");
}

/**
 * Where the secrets are, with a short salted fingerprint of each, so a diff can say that a
 * secret changed without showing it. Synth never holds a real secret (secure config values
 * become placeholders derived from their public ciphertext), so a fingerprint reveals nothing.
 */
export function secretFingerprints(value: unknown, salt: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (v !== null && typeof v === "object") {
      const object = v as Record<string, unknown>;
      if (object[specialSigKey] === specialSecretSig) {
        const plain = JSON.stringify(reveal(object.value)) ?? "undefined";
        found[path] = createHash("sha256").update(`${salt}\0${path}\0${plain}`).digest("hex").slice(0, 12);
      } else if (!object[specialSigKey]) {
        for (const [k, item] of Object.entries(object)) walk(item, path ? `${path}.${k}` : k);
      }
    }
  };
  walk(value, "");
  return found;
}
