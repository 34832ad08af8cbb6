/**
 * Issue 24 item 14: tests that need a tool fail where it is missing (they never skip), and
 * .ci/run installs what they need: jq through apt-get, with `apt-get update` only when the
 * install fails without it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../synth/synthesize";
import { REQUIRED_TOOLS, requireTool } from "./tools";

const RUN = readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8");

/** The tool-install block of .ci/run: from `missing=()` to its closing `fi`. */
function installBlock(): string {
  const start = RUN.indexOf("missing=()");
  const end = RUN.indexOf("\nfi\n", start);
  assert.ok(start > 0 && end > start, ".ci/run has a tool-install block");
  return RUN.slice(start, end + 3);
}

test(".ci/run installs exactly the tools the tests need, before the project's npm ci", () => {
  const listed = /for tool in ([^;]+); do/.exec(installBlock())?.[1].trim().split(/\s+/);
  assert.deepEqual(listed, [...REQUIRED_TOOLS]);
  const projectInstall = RUN.indexOf("\nnpm ci --prefer-offline");
  assert.ok(projectInstall > RUN.indexOf("missing=()"), "the tools come before npm ci and the tests");
});

test("no test skips because a tool is missing", () => {
  for (const dir of ["test", path.join("test", "stacks")]) {
    for (const file of readdirSync(path.join(PROJECT_ROOT, dir)).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(path.join(PROJECT_ROOT, dir, file), "utf8");
      assert.ok(!/\{\s*skip:/.test(source), `${dir}/${file}: a test that skips`);
    }
  }
});

/** Runs the install block with a PATH that has no jq, fake apt-get and sudo that log their calls. */
function runInstall(aptFailsUntilUpdate: boolean) {
  const root = mkdtempSync(path.join(tmpdir(), "ci-tools-"));
  try {
    const bin = path.join(root, "bin");
    spawnSync("mkdir", [bin]);
    for (const tool of ["id", "cat", "chmod", "touch"]) symlinkSync(spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim(), path.join(bin, tool));
    const log = path.join(root, "apt.log");
    writeFileSync(
      path.join(bin, "apt-get"),
      `#!/bin/bash\necho "apt-get $*" >> "${log}"\ncase "$1" in\n  update) touch "${root}/lists" ;;\n  install) if ${aptFailsUntilUpdate ? `[ ! -e "${root}/lists" ]` : "false"}; then echo "E: Unable to locate package jq" >&2; exit 100; fi\n    printf '#!/bin/bash\\necho jq-fake\\n' > "${bin}/jq"; chmod +x "${bin}/jq" ;;\nesac\n`,
    );
    writeFileSync(path.join(bin, "sudo"), `#!/bin/bash\necho "sudo $1" >> "${log}"\nexec "$@"\n`);
    for (const tool of ["apt-get", "sudo"]) chmodSync(path.join(bin, tool), 0o755);
    const script = `set -euo pipefail\nfail() { echo "ci: FAILED: $*" >&2; exit 1; }\n${installBlock()}\njq --version\n`;
    const result = spawnSync("/bin/bash", ["-c", script], { encoding: "utf8", env: { PATH: bin } });
    const calls = spawnSync("/bin/bash", ["-c", `[ -e "${log}" ] && /usr/bin/env cat "${log}" || true`], { encoding: "utf8", env: { PATH: bin } }).stdout;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, apt: calls.split("\n").filter((l) => l.startsWith("apt-get")) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test(".ci/run's install block: jq through apt-get when missing, apt-get update only when the install needs it", () => {
  const direct = runInstall(false);
  assert.equal(direct.status, 0, direct.stderr);
  assert.deepEqual(direct.apt, ["apt-get install -y --no-install-recommends jq"], "package lists present: no update");
  assert.match(direct.stdout, /jq-fake/);
  const fresh = runInstall(true);
  assert.equal(fresh.status, 0, fresh.stderr);
  assert.deepEqual(fresh.apt, ["apt-get install -y --no-install-recommends jq", "apt-get update", "apt-get install -y --no-install-recommends jq"]);
});

test("a test that needs a missing tool fails with a message naming it", () => {
  const saved = process.env.PATH;
  process.env.PATH = mkdtempSync(path.join(tmpdir(), "no-tools-"));
  try {
    assert.throws(() => requireTool("jq"), /jq is not installed, and these tests need it \(they never skip\): install it \(apt-get install jq\); \.ci\/run does so itself/);
  } finally {
    rmSync(process.env.PATH, { recursive: true, force: true });
    process.env.PATH = saved;
  }
  assert.doesNotThrow(() => requireTool("jq"));
});
