/** The sample stacks' config changed by one edit, parsed as synth would: the problems at their key paths. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parsePlatformConfig } from "../stacks/parse";
import { readTenantStackFile, tenantStackNames } from "../stacks/tenant-stacks";
import { PROJECT_ROOT } from "../synth/synthesize";
import { TEST_TODAY } from "./helpers";

const P = "gitops-platform:platform";
export type Platform = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A sample stack's config, its tenant stacks' tenants inline (prod's: validated as one, as the platform stack does). */
export function sample(stack: "dev" | "prod"): Platform {
  const platform = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config[P];
  const tenantStacks = tenantStackNames(PROJECT_ROOT, stack).map((name) => readTenantStackFile(PROJECT_ROOT, name));
  return tenantStacks.length === 0 ? platform : { ...platform, tenants: [...(platform.tenants ?? []), ...tenantStacks.flatMap((t) => t.tenants)] };
}

/** The problems of the sample stack after `edit`; [] when it parses. */
export function problemsOf(edit: (platform: Platform) => void, stack: "dev" | "prod" = "dev"): string[] {
  const platform = sample(stack);
  edit(platform);
  const result = parsePlatformConfig(platform, stack, { today: TEST_TODAY });
  return result.ok ? [] : result.problems;
}

/** Asserts that `edit` is refused with a problem at `key` whose message matches `message`. */
export function refusedAt(edit: (platform: Platform) => void, key: string, message: RegExp, stack: "dev" | "prod" = "dev"): void {
  const problems = problemsOf(edit, stack);
  const at = problems.filter((p) => p.startsWith(`${P}.${key}: `));
  assert.ok(at.some((p) => message.test(p)), `no problem at ${key} matching ${message} in:\n${problems.join("\n")}`);
}

