/**
 * Command-line tools the tests run (scripts the platform ships are run against fakes, and the
 * fakes use them). A missing tool fails the run with a message that names it; it never skips a
 * test. .ci/run installs every one of them when it is missing (its `for tool in` line lists this
 * set; test/ci-tools.test.ts checks that).
 */
import { spawnSync } from "node:child_process";

export const REQUIRED_TOOLS = ["jq"] as const;
export type RequiredTool = (typeof REQUIRED_TOOLS)[number];

/** Throws, naming the tool and how CI installs it, unless `tool --version` runs. */
export function requireTool(tool: RequiredTool): void {
  const result = spawnSync(tool, ["--version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new Error(`${tool} is not installed, and these tests need it (they never skip): install it (apt-get install ${tool}); .ci/run does so itself`);
  }
}
