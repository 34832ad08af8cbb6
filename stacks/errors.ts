/** Turning schema issues into one line per problem, each naming the full config key path. */
import type { z } from "zod";
import { closestMatch } from "./names";

export const PROJECT = "gitops-platform";
export const PLATFORM_KEY = `${PROJECT}:platform`;

/** `tenants[0].git.repository` from `["tenants", 0, "git", "repository"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`)).join("");
}

export function problemAt(path: readonly PropertyKey[], message: string): string {
  return path.length === 0 ? `${PLATFORM_KEY}: ${message}` : `${PLATFORM_KEY}.${formatPath(path)}: ${message}`;
}

/** The keys a strict object in the schema allows at `path` (array indices ignored). */
export type KnownKeys = (path: readonly PropertyKey[]) => string[];

export function describeIssues(issues: readonly z.core.$ZodIssue[], knownKeys: KnownKeys): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(issue.path);
      for (const key of issue.keys) {
        const hint = closestMatch(key, known);
        const help = hint ? `did you mean "${hint}"?` : `allowed here: ${known.join(", ")}`;
        lines.push(problemAt([...issue.path, key], `unknown key (${help})`));
      }
    } else {
      lines.push(problemAt(issue.path, issueMessage(issue)));
    }
  }
  return lines;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      return received === "undefined" ? `is required (${issue.expected})` : `must be ${article(issue.expected)}, got ${received ?? "something else"}`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    // An exclusive bound (positive(), gt()) says so: "> 0", not ">= 0".
    case "too_small":
      return bound(issue.origin, issue.inclusive === false ? ">" : ">=", issue.minimum, "at least");
    case "too_big":
      return bound(issue.origin, issue.inclusive === false ? "<" : "<=", issue.maximum, "at most");
    default:
      return issue.message;
  }
}

function bound(origin: string, op: string, limit: unknown, words: string): string {
  if (origin === "array") return `must have ${words} ${String(limit)} item(s)`;
  if (origin === "string") return `must be ${words} ${String(limit)} character(s) long`;
  return `must be ${op} ${String(limit)}`;
}

function article(type: string): string {
  if (type === "int") return "an integer";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
