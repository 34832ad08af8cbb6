/** From raw stack config (already read from YAML or Pulumi config) to a PlatformConfig. Pure. */
import { z } from "zod";
import { configToday } from "./clock";
import { describeIssues, KnownKeys, problemAt } from "./errors";
import { DNS1123_LABEL } from "./names";
import { PlatformConfig, platformObjectSchema, platformSchema } from "./schema";

export type ParseResult = { ok: true; config: PlatformConfig } | { ok: false; problems: string[] };

export interface ParseOptions {
  /** The day to judge calendar-bound rules by (Kubernetes support). Default: today (stacks/clock.ts). */
  today?: Date;
}

/**
 * Validates raw config and fills every default. `stack` is the stack name, which is the
 * environment when the config does not name one.
 */
export function parsePlatformConfig(raw: unknown, stack: string, options: ParseOptions = {}): ParseResult {
  if (raw === undefined || raw === null) {
    return { ok: false, problems: [problemAt([], `is not set: add it to Pulumi.${stack}.yaml`)] };
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, problems: [problemAt([], "must be an object of config sections (environment, cluster, ...)")] };
  }
  const input = { environment: stack, ...(raw as Record<string, unknown>) };
  if (!("environment" in raw) && !DNS1123_LABEL.test(stack)) {
    return {
      ok: false,
      problems: [problemAt(["environment"], `is not set, and the stack name "${stack}" is not a DNS-1123 label to use instead`)],
    };
  }
  const environment = typeof input.environment === "string" ? input.environment : stack;
  const result = platformSchema(environment, { today: options.today ?? configToday() }).safeParse(input);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: describeIssues(result.error.issues, knownKeysOf(platformObjectSchema(environment))) };
}

/** Walks the schema to list the keys a strict object allows at a config path. */
function knownKeysOf(schema: z.ZodType): KnownKeys {
  return (path) => {
    let node = unwrap(schema);
    for (const part of path) {
      if (typeof part === "number") continue;
      const def = node._zod.def as { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType };
      if (def.type === "array") node = unwrap(def.element!);
      const shape = (node._zod.def as { shape?: Record<string, z.ZodType> }).shape;
      if (!shape || !(part in shape)) return [];
      node = unwrap(shape[part as string]);
    }
    const def = node._zod.def as { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType };
    if (def.type === "array") node = unwrap(def.element!);
    return Object.keys((node._zod.def as { shape?: object }).shape ?? {});
  };
}

/** Looks through default/optional/pipe wrappers to the schema that holds the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (;;) {
    const def = node._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if (def.innerType) node = def.innerType;
    else if (def.type === "pipe" && def.in) node = def.in;
    else return node;
  }
}
