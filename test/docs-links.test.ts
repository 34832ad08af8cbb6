/**
 * Nothing points into the void after the README was split into docs/ (issue 29, item 4): every
 * relative link of the Markdown documents reaches a file, and its #anchor a heading there; every
 * reference to a section by name in code, config, workflows and docs (`docs/operating.md,
 * "Drift"`, `README, "Layout"`) names a heading or a bold lead-in of that document.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../synth/synthesize";

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, "")
    .replace(/ /g, "-");
}

function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^\s*```[^\n]*\n[\s\S]*?^\s*```\s*$/gm, "");
}

function headings(markdown: string): string[] {
  return [...withoutCodeBlocks(markdown).matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1].trim());
}

/** Bold paragraph lead-ins (`**Rotate a tenant's SOPS key.**`), which the docs name as sections too. */
function boldLeads(markdown: string): string[] {
  return [...withoutCodeBlocks(markdown).matchAll(/^(?:- )?\*\*([^*]+?)\.?\*\*/gm)].map((m) => m[1].trim());
}

function trackedFiles(): string[] {
  const listed = spawnSync("git", ["ls-files"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  assert.equal(listed.status, 0, listed.stderr);
  return listed.stdout.split("\n").filter((f) => f && existsSync(path.join(PROJECT_ROOT, f)));
}

const markdownFiles = () => trackedFiles().filter((f) => f.endsWith(".md") && !f.startsWith("node_modules/"));
const read = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), "utf8");

test("every relative link of the Markdown documents reaches a file, and its anchor a heading", () => {
  const broken: string[] = [];
  for (const file of markdownFiles()) {
    for (const [, target] of withoutCodeBlocks(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [linked, anchor] = target.split("#");
      const resolved = linked === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), linked));
      if (!existsSync(path.join(PROJECT_ROOT, resolved))) {
        broken.push(`${file}: ${target} (no file ${resolved})`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith(".md") && !headings(read(resolved)).some((h) => anchorOf(h) === anchor)) {
        broken.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

/** `README, "X"`, `docs/x.md, "X"`, `README's "X"`, `docs/x.md "X"`, the quote possibly wrapped over comment lines. */
const SECTION_REFERENCE = /(README|MIGRATION\.md|docs\/[\w-]+\.md)(?:'s|,)? \\?"([^"\\]{1,120})\\?"/g;

function normalized(quoted: string): string {
  return quoted.replace(/\s*\n\s*(?:#|\/\/|\*)?\s*/g, " ").trim();
}

test("every section named in code, config and docs is a heading or a bold lead-in of its document", () => {
  const files = trackedFiles().filter((f) => /\.(ts|md|ya?ml|sh|mjs)$/.test(f) && f !== "test/docs-links.test.ts");
  const dangling: string[] = [];
  let references = 0;
  for (const file of files) {
    for (const [, document, quoted] of read(file).matchAll(SECTION_REFERENCE)) {
      const target = document === "README" ? "README.md" : document;
      if (!existsSync(path.join(PROJECT_ROOT, target))) {
        dangling.push(`${file}: ${document}, "${quoted}" (no such document)`);
        continue;
      }
      const name = normalized(quoted);
      const markdown = read(target);
      const sections = [...headings(markdown), ...boldLeads(markdown)];
      references++;
      if (!sections.some((s) => s === name || s.startsWith(`${name} `) || s.startsWith(`${name}:`))) dangling.push(`${file}: ${document}, "${name}"`);
    }
  }
  assert.ok(references >= 10, `the code names sections of the docs (${references})`);
  assert.deepEqual(dangling, []);
});

test("the GitHub anchors the docs link to are computed as GitHub does", () => {
  assert.equal(anchorOf("Canary releases (Flagger)"), "canary-releases-flagger");
  assert.equal(anchorOf("Who may run the first `up`"), "who-may-run-the-first-up");
  assert.equal(anchorOf("Day-2 operations"), "day-2-operations");
});
