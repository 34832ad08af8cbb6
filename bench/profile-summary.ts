/**
 * Reads a V8 CPU profile (`node --cpu-prof`, see bench/profile.sh) and prints where the time went:
 * self time by area (the SDK, protobuf, the project's own directories, the garbage collector,
 * Node's internals) and the functions with the most self and total time, optionally only those
 * under a path.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N] [--under PATH]
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The area a source URL belongs to. */
export function areaOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(synth|components|policy|stacks|bench|index\.ts)/.exec(url);
  return own ? own[1] : "other";
}

const PROJECT = /\/(synth|components|policy|stacks)\/|\/index\.ts$/;

function label(frame: CallFrame): string {
  const where = frame.url.replace(/^.*node_modules\//, "").replace(/^.*\/(synth|components|policy|stacks|bench)\//, "$1/");
  return `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
}

export function summarize(profile: CpuProfile, top: number, under?: string): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const areas = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const totalByFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    selfByFunction.set(label(frame), (selfByFunction.get(label(frame)) ?? 0) + us);
    // Total time: every distinct function on the sample's stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      totalByFunction.set(name, (totalByFunction.get(name) ?? 0) + us);
    }
  }
  // Each sample charged to the innermost project frame on its stack (the project's code that
  // asked for the work), split by the area the sample itself was in.
  const byCaller = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const leaf = byId.get(id)!.callFrame;
    const leafArea = areaOf(leaf.url, leaf.functionName);
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!PROJECT.test(frame.url)) continue;
      const key = `${label(frame)} -> ${leafArea}`;
      byCaller.set(key, (byCaller.get(key) ?? 0) + us);
      break;
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
  const rank = (m: Map<string, number>, filter = (_: string) => true) =>
    [...m.entries()]
      .filter(([name]) => filter(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `  ${pct(us)}  ${name}`)
      .join("\n");
  const mine = (name: string) => under === undefined || name.includes(under);
  return [
    `sampled ${(total / 1e6).toFixed(2)} s`,
    "self time by area:",
    rank(areas),
    `functions by self time${under ? ` (${under})` : ""}:`,
    rank(selfByFunction, mine),
    `functions by total time${under ? ` (${under})` : ""}:`,
    rank(totalByFunction, mine),
    `innermost project frame -> area of the sample${under ? ` (${under})` : ""}:`,
    rank(byCaller, mine),
  ].join("\n");
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith("--") && !/^\d+$/.test(a));
  const topAt = args.indexOf("--top");
  const underAt = args.indexOf("--under");
  if (!file) {
    console.error("usage: profile-summary.ts FILE.cpuprofile [--top N] [--under PATH]");
    process.exit(1);
  }
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  console.log(summarize(profile, topAt >= 0 ? Number(args[topAt + 1]) : 25, underAt >= 0 ? args[underAt + 1] : undefined));
}
