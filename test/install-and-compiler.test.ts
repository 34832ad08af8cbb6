/**
 * Issue 29 item 6: `npm ci` has nothing to warn about that the project decides (every dependency's
 * install script is allowed or denied in package.json's allowScripts), and the project is ready
 * for TypeScript 6 (no setting it deprecates), which CI type-checks with (npm run typecheck:ts6).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../synth/synthesize";

const json = <T>(file: string) => JSON.parse(readFileSync(path.join(PROJECT_ROOT, file), "utf8")) as T;

interface Lock {
  packages: Record<string, { version?: string; integrity?: string; hasInstallScript?: boolean; dependencies?: Record<string, string> }>;
}

/** Dependencies whose install scripts npm 11 skips with a warning unless allowScripts decides. */
function undecidedInstallScripts(lock: Lock, allowScripts: Record<string, boolean>): string[] {
  return Object.entries(lock.packages)
    .filter(([where, entry]) => where !== "" && entry.hasInstallScript)
    .map(([where, entry]) => ({ name: where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length), version: entry.version }))
    .filter(({ name, version }) => !(name in allowScripts) && !(`${name}@${version}` in allowScripts))
    .map(({ name, version }) => `${name}@${version}`);
}

test("every dependency with an install script is decided in allowScripts: npm ci prints no install-scripts warning", () => {
  const { allowScripts = {} } = json<{ allowScripts?: Record<string, boolean> }>("package.json");
  const lock = json<Lock>("package-lock.json");
  assert.deepEqual(undecidedInstallScripts(lock, allowScripts), []);
  // Denied, not approved: none is needed to synthesize, test or deploy (the Pulumi CLI installs
  // the kubernetes plugin itself, esbuild's optional platform package holds its binary).
  assert.deepEqual(allowScripts, { "@pulumi/kubernetes": false, esbuild: false, protobufjs: false });
  // The check finds one: a lockfile with a package that has an install script nobody decided.
  const withNew: Lock = { packages: { ...lock.packages, "node_modules/a/node_modules/sharp": { version: "0.34.0", hasInstallScript: true } } };
  assert.deepEqual(undecidedInstallScripts(withNew, allowScripts), ["sharp@0.34.0"]);
});

test("tsconfig uses no setting TypeScript 6 deprecates (moduleResolution node10, baseUrl), and CI type-checks with a pinned TypeScript 6", () => {
  const { compilerOptions } = json<{ compilerOptions: Record<string, unknown> }>("tsconfig.json");
  assert.ok(["node16", "nodenext", "bundler"].includes(String(compilerOptions.moduleResolution).toLowerCase()), String(compilerOptions.moduleResolution));
  assert.equal(compilerOptions.baseUrl, undefined);
  assert.equal(compilerOptions.ignoreDeprecations, undefined, "the deprecations are fixed, not silenced");
  const ts6 = json<{ dependencies: Record<string, string> }>(".ci/typescript-6/package.json").dependencies.typescript;
  assert.match(ts6, /^6\.\d+\.\d+$/);
  const lock = json<Lock>(".ci/typescript-6/package-lock.json").packages["node_modules/typescript"];
  assert.equal(lock.version, ts6);
  assert.match(lock.integrity ?? "", /^sha512-/);
  const { scripts } = json<{ scripts: Record<string, string> }>("package.json");
  assert.match(scripts["typecheck:ts6"], /npm ci --prefix \.ci\/typescript-6 .*&& node \.ci\/typescript-6\/node_modules\/typescript\/bin\/tsc --noEmit -p \.$/);
});
