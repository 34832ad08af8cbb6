/**
 * Git's rules for branch names, as `git check-ref-format --branch` applies them: a name `B` is a
 * branch when `refs/heads/B` passes check_refname_format() and B neither starts with '-' nor is
 * HEAD (git/git refs.c: check_branch_ref, check_or_sanitize_refname, check_refname_component and
 * the refname_disposition table). A branch Git refuses can never exist, so Flux would wait for
 * it forever. Pure.
 */

const FORBIDDEN = "git refuses control characters, space, ~ ^ : ? * [ and \\";

/**
 * The characters refname_disposition marks as bad (4) or as a pattern (5, refused outside
 * refspecs): ASCII control characters and DEL, space, ~ ^ : ? * [ and backslash.
 */
function isForbiddenCharacter(code: number): boolean {
  return code < 0x20 || code === 0x7f || " ~^:?*[\\".includes(String.fromCharCode(code));
}

function shown(character: string): string {
  const code = character.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : character;
}

/** Why Git would refuse `name` as a branch name, or undefined when it is a valid one. */
export function gitBranchNameProblem(name: string): string | undefined {
  if (name.startsWith("-")) return "it starts with '-'";
  if (name === "HEAD") return "HEAD is not a branch name";
  // Inside a repository `git check-ref-format --branch` first expands "@" to HEAD
  // (interpret_branch_name), which it then refuses.
  if (name === "@") return "'@' alone means HEAD";
  for (const character of name) {
    if (isForbiddenCharacter(character.charCodeAt(0))) return `it contains '${shown(character)}' (${FORBIDDEN})`;
  }
  if (name.includes("..")) return "it contains '..'";
  if (name.includes("@{")) return "it contains '@{'";
  const components = name.split("/");
  if (components.some((component) => component === "")) return "it has an empty path component (a leading, trailing or doubled '/')";
  if (components.some((component) => component.startsWith("."))) return "a path component starts with '.'";
  if (components.some((component) => component.endsWith(".lock"))) return "a path component ends with '.lock'";
  if (name.endsWith(".")) return "it ends with '.'";
  return undefined;
}
