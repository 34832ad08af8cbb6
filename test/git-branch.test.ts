/** Git's own rules for branch names (`git check-ref-format --branch`), case by case. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { gitBranchNameProblem } from "../stacks/git-branch";

test("names git accepts as branches", () => {
  for (const name of ["main", "release/1.2", "feature/add-ü", "a.b", "@foo", "foo@bar", "x{y}", "v1.0-rc.1", "a_b+c=d,e", "#hash", "!bang"]) {
    assert.equal(gitBranchNameProblem(name), undefined, name);
  }
});

test("names git refuses, each with the rule it breaks", () => {
  const cases: [string, string][] = [
    ["-main", "it starts with '-'"],
    ["HEAD", "HEAD is not a branch name"],
    ["@", "'@' alone means HEAD"],
    ["a..b", "it contains '..'"],
    ["a@{1}", "it contains '@{'"],
    ["a b", "it contains ' ' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["a~1", "it contains '~' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["a^", "it contains '^' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["a:b", "it contains ':' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["a?", "it contains '?' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["a*", "it contains '*' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["a[b", "it contains '[' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["a\\b", "it contains '\\' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["a\tb", "it contains '\\x09' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["a\x7fb", "it contains '\\x7f' (git refuses control characters, space, ~ ^ : ? * [ and \\)"],
    ["/main", "it has an empty path component (a leading, trailing or doubled '/')"],
    ["main/", "it has an empty path component (a leading, trailing or doubled '/')"],
    ["a//b", "it has an empty path component (a leading, trailing or doubled '/')"],
    [".hidden", "a path component starts with '.'"],
    ["feature/.x", "a path component starts with '.'"],
    ["main.lock", "a path component ends with '.lock'"],
    ["a.lock/b", "a path component ends with '.lock'"],
    ["main.", "it ends with '.'"],
  ];
  for (const [name, reason] of cases) assert.equal(gitBranchNameProblem(name), reason, JSON.stringify(name));
});
