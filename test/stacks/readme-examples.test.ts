/**
 * The README's component examples compile as written (issue 16): every ```ts block of its
 * "Components" section is type-checked against `gitops-platform/components`, with no config parser.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../../synth/synthesize";

/** The ```ts blocks of one `## ` section of a Markdown document, in order. */
function tsBlocksOfSection(markdown: string, heading: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const section = lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

test("the README's Components examples type-check against gitops-platform/components", (t) => {
  const blocks = tsBlocksOfSection(readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8"), "Components");
  assert.ok(blocks.length > 0, "the Components section has a ts example");
  // Inside the project, so the examples resolve its node_modules; the root tsconfig maps
  // `gitops-platform/components` to components/index.ts (paths resolve relative to that file).
  const dir = mkdtempSync(path.join(PROJECT_ROOT, ".build-test-readme-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = blocks.map((code, i) => {
    const file = `example-${i + 1}.ts`;
    writeFileSync(path.join(dir, file), code);
    return file;
  });
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: "../tsconfig.json",
      // An example may leave a component unused; everything else is as strict as the project.
      compilerOptions: { noEmit: true, noUnusedLocals: false },
      include: [],
      files,
    }),
  );
  const tsc = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
  const check = spawnSync(process.execPath, [tsc, "-p", dir], { cwd: PROJECT_ROOT, encoding: "utf8" });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});
