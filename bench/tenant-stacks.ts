/**
 * `npx tsx bench/tenant-stacks.ts <count> <dir>`: a copy of this project in `dir` whose prod
 * environment has `count` tenant stacks (tenants/Pulumi.prod-t0001.yaml, ...), each holding one
 * generated prod-sized tenant (bench/generate.ts), and no other tenant stack. Then, in `dir`,
 * `node --import tsx synth/cli.ts prod` synthesizes the platform stack and every tenant stack in
 * one process, as `npm run synth -- prod` does here (bench/RESULTS.md, "Issue 26 item 9").
 *
 * The copy holds the project's tracked files (git ls-files) and a link to its node_modules:
 * synth reads tenant stacks from the project root it runs from, so the benchmark never writes
 * into the checkout.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { reveal } from "../synth/redact";
import { synthesize } from "../synth/synthesize";
import { generatedTenant, tenantName } from "./generate";

const ROOT = path.resolve(__dirname, "..");
const TENANT_STACK_FILE = /^Pulumi\.prod-.+\.yaml$/;

/** One tenant stack file of prod holding generated tenant `index`. */
export function tenantStackText(index: number): string {
  const config = {
    "gitops-platform-tenants:platformStack": "organization/gitops-platform/prod",
    "gitops-platform-tenants:tenants": [generatedTenant(index)],
  };
  return stringify({ config });
}

/** `prod-t0001`, ...: the stack of generated tenant `index`. */
export function tenantStackOf(index: number): string {
  return `prod-${tenantName(index)}`;
}

/** Writes the project copy with `count` prod tenant stacks; returns its stack names. */
export function writeTenantStackProject(count: number, dir: string): string[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`tenant stack count must be a non-negative integer, got ${count}`);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty`);
  const files = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
  for (const file of files) {
    if (file.startsWith("tenants/") && TENANT_STACK_FILE.test(path.basename(file))) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  const stacks = Array.from({ length: count }, (_, i) => tenantStackOf(i));
  stacks.forEach((stack, i) => writeFileSync(path.join(dir, "tenants", `Pulumi.${stack}.yaml`), tenantStackText(i)));
  return stacks;
}

/**
 * The platform stack's outputs as `pulumi stack output --json --show-secrets` prints them (the
 * synthesized ones, secrets revealed: synth's are placeholders), for `synth <tenant stack>
 * --platform-outputs FILE`: one tenant stack without synthesizing the platform in that process.
 */
async function writePlatformOutputs(file: string): Promise<void> {
  const { run } = await synthesize({ stack: "prod" });
  writeFileSync(file, `${JSON.stringify(reveal(run.rawOutputs), null, 2)}\n`);
}

if (require.main === module) {
  const [count, dir] = process.argv.slice(2);
  if (count === "outputs" && dir !== undefined) {
    void writePlatformOutputs(dir);
  } else if (count === undefined || dir === undefined) {
    console.error("usage: npx tsx bench/tenant-stacks.ts <count> <dir> | outputs <file> (the prod platform stack's outputs, run in the copy)");
    process.exitCode = 1;
  } else {
    rmSync(dir, { recursive: true, force: true });
    const stacks = writeTenantStackProject(Number(count), path.resolve(dir));
    console.log(`${dir}: ${stacks.length} prod tenant stacks (${stacks[0] ?? "none"} ... ${stacks.at(-1) ?? "none"})`);
  }
}
