/**
 * Where the program looks for tenants/: the root the language host passes, or the program's
 * directory when the SDK answers its placeholder (an engine that passes no --root-directory).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { projectRootOf } from "../stacks/load";

test("the project root is the host's --root-directory, or the program's directory when the SDK answers its placeholder", () => {
  assert.equal(projectRootOf("/srv/infra", "/srv/infra/sub"), "/srv/infra");
  assert.equal(projectRootOf("rootDirectory", "/srv/infra"), "/srv/infra", "the SDK's placeholder is not a directory");
  assert.equal(projectRootOf("", "/srv/infra"), "/srv/infra");
});
