import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time (user + system) of the stack's processes from /proc, by component: every descendant of this bench
 * process, classified by its command line. The bench process itself (the HTTP client, the local Neon endpoint
 * and the fake Google issuer all run in it) is read with `process.cpuUsage()`. Linux only; resolution is one
 * clock tick (10 ms), so only differences over many requests mean anything.
 */
export type Component = "workerd (Worker)" | "workerd (wrangler proxy)" | "wrangler (Node)" | "PostgreSQL" | "bench process (client + Neon endpoint)";

export type CpuSnapshot = Map<number, { component: Component; micros: number }>;

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function classify(commandLine: string): Component | undefined {
  if (commandLine.includes("workerd")) return commandLine.includes("--inspector-addr") ? "workerd (Worker)" : "workerd (wrangler proxy)";
  if (commandLine.includes("wrangler-dist/cli.js")) return "wrangler (Node)";
  if (commandLine.startsWith("postgres") || commandLine.includes("/bin/postgres")) return "PostgreSQL";
  return undefined;
}

interface ProcStat {
  pid: number;
  ppid: number;
  micros: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is parenthesised and may hold spaces: fields after it start past the last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { pid, ppid, micros: (ticks / ticksPerSecond) * 1e6 };
  } catch {
    return undefined;
  }
}

function readCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

export function snapshotCpu(): CpuSnapshot {
  const stats = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const snapshot: CpuSnapshot = new Map();
  const usage = process.cpuUsage();
  snapshot.set(process.pid, { component: "bench process (client + Neon endpoint)", micros: usage.user + usage.system });
  const queue = [...(children.get(process.pid) ?? [])];
  for (let stat = queue.shift(); stat !== undefined; stat = queue.shift()) {
    queue.push(...(children.get(stat.pid) ?? []));
    const component = classify(readCommandLine(stat.pid));
    if (component !== undefined) snapshot.set(stat.pid, { component, micros: stat.micros });
  }
  return snapshot;
}

/** CPU µs per component between two snapshots (a process that started in between counts from zero). */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Map<Component, number> {
  const result = new Map<Component, number>();
  for (const [pid, { component, micros }] of after) {
    result.set(component, (result.get(component) ?? 0) + micros - (before.get(pid)?.micros ?? 0));
  }
  return result;
}
