/**
 * `gitops-platform/testing` as a consumer gets it (issue 29, item 7): the package is built and
 * packed with `npm pack`, the tarball is unpacked into an empty project's node_modules, and the
 * example test of docs/testing.md runs there, importing `gitops-platform/components` and
 * `gitops-platform/testing` through the package's exports, never a source path. The consumer's
 * dependencies are links to this project's installed ones (the package's `dependencies`, and what
 * docs/testing.md tells a consumer to install), so no registry is needed, and a module the package
 * uses without declaring it fails here.
 */
import assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../../synth/synthesize";
import { allCodeBlocks } from "../docs-blocks";

/** What docs/testing.md has a consumer install next to the package. */
const CONSUMER_DEV_DEPENDENCIES = ["tsx", "typescript", "@types/node", "kubernetes-models", "@kubernetes-models/flux-cd"];

function ok(run: SpawnSyncReturns<string>, what: string): string {
  assert.equal(run.status, 0, `${what} failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

function linkDependency(nodeModules: string, name: string): void {
  const target = path.join(PROJECT_ROOT, "node_modules", name);
  assert.ok(existsSync(target), `${name} is installed in the project`);
  mkdirSync(path.dirname(path.join(nodeModules, name)), { recursive: true });
  symlinkSync(target, path.join(nodeModules, name), "dir");
}

test("the packed package's testing entry point runs docs/testing.md's example test in a project of its own", (t) => {
  const work = mkdtempSync(path.join(tmpdir(), "gitops-platform-pack-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
    name: string;
    version: string;
    files: string[];
    dependencies: Record<string, string>;
    exports: Record<string, unknown>;
  };
  assert.deepEqual(pkg.exports["./testing"], { types: "./bin/synth/testing.d.ts", default: "./bin/synth/testing.js" });

  // The package as `npm pack` sees it after `prepare`: the build in bin/, and what `files` lists.
  const staged = path.join(work, "package");
  const tsc = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
  ok(spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", path.join(staged, "bin")], { cwd: PROJECT_ROOT, encoding: "utf8" }), "the build");
  cpSync(path.join(PROJECT_ROOT, "package.json"), path.join(staged, "package.json"));
  for (const entry of pkg.files.filter((f) => !f.startsWith("bin/"))) cpSync(path.join(PROJECT_ROOT, entry), path.join(staged, entry), { recursive: true });
  const packed = JSON.parse(
    ok(spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: staged, encoding: "utf8" }), "npm pack"),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = path.join(work, packed[0].filename);
  assert.equal(packed[0].filename, `${pkg.name}-${pkg.version}.tgz`);
  const packedFiles = packed[0].files.map((f) => f.path);
  for (const file of ["bin/synth/testing.js", "bin/synth/testing.d.ts", "bin/policy/deploy/index.js", "bin/components/index.js", "CHANGELOG.md"]) {
    assert.ok(packedFiles.includes(file), `the tarball holds ${file}`);
  }
  assert.ok(!packedFiles.some((f) => f.startsWith("test/") || f.startsWith("synth/")), "no tests and no synth sources in the tarball");

  // A consumer project: the tarball installed, its dependencies linked.
  const consumer = path.join(work, "consumer");
  const nodeModules = path.join(consumer, "node_modules");
  mkdirSync(path.join(nodeModules, pkg.name), { recursive: true });
  ok(spawnSync("tar", ["-xzf", tarball, "-C", path.join(nodeModules, pkg.name), "--strip-components=1"], { encoding: "utf8" }), "unpacking the tarball");
  for (const name of [...Object.keys(pkg.dependencies), ...CONSUMER_DEV_DEPENDENCIES]) linkDependency(nodeModules, name);
  writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "team-platform", version: "1.0.0", private: true, dependencies: { [pkg.name]: `file:${tarball}` } }));
  writeFileSync(
    path.join(consumer, "tsconfig.json"),
    // nodenext resolves the package through its exports map, as a consumer's compiler does.
    JSON.stringify({ compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "ES2022", strict: true, skipLibCheck: true, noEmit: true, types: ["node"] }, include: ["test/*.ts"] }),
  );
  const [example] = allCodeBlocks().filter((b) => b.language === "ts" && b.flags.includes("consumer-test"));
  assert.ok(example, "docs/testing.md has the example test");
  assert.match(example.code, /from "gitops-platform\/testing"/);
  mkdirSync(path.join(consumer, "test"));
  writeFileSync(path.join(consumer, "test", "platform.test.ts"), example.code);

  // Its types come from the package's .d.ts files, through the exports map.
  ok(spawnSync(process.execPath, [path.join(nodeModules, "typescript", "bin", "tsc"), "-p", "."], { cwd: consumer, encoding: "utf8" }), "type-checking the example in the consumer");
  // Its own test runner: without the NODE_TEST_CONTEXT this runner passes to its children.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "NODE_TEST_CONTEXT"));
  const run = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=tap", "test/platform.test.ts"], { cwd: consumer, encoding: "utf8", env });
  const output = ok(run, "the example test");
  assert.match(output, /# pass 2/);
  assert.match(output, /# fail 0/);
  // It ran the packed JavaScript, not this project's sources.
  assert.ok(existsSync(path.join(nodeModules, pkg.name, "bin", "synth", "testing.js")));
  assert.ok(!existsSync(path.join(nodeModules, pkg.name, "synth")), "no synth/ sources in the installed package");
});
