/**
 * Turning property values as they travel over the engine's gRPC protocol into plain JSON:
 * `redact` replaces every secret with "[secret]" (for anything printed or written), `reveal`
 * unwraps secrets (for schema validation and tests, never for output).
 */
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

export function redact(value: unknown): unknown {
  return convert(value, "redact");
}

export function reveal(value: unknown): unknown {
  return convert(value, "reveal");
}
