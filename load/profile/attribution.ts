import { readFileSync } from "node:fs";
import type { CallFrame, CpuProfile } from "./devtools.ts";

/**
 * Attributes a Worker CPU profile to source files and packages.
 *
 * **Where a frame comes from.** wrangler dev runs one esbuild bundle (`.wrangler/tmp/dev-<id>/index.js`, the
 * profile's url `index.js`); esbuild starts each module's code with a `// path` comment line, so the module of a
 * function is the last such comment at or above the function's first line (a call frame's `lineNumber`, 0-based).
 * Paths are normalised to `src/…`, `durable-objects/…` or `node_modules/<package>/…`.
 *
 * **How long a sample counts.** V8 samples the isolate's thread only while it holds the isolate; when the Worker
 * waits for I/O (a round trip, the next request) no sample is taken, so the next sample's time delta spans the
 * wait. A delta up to `gapMicros` counts as it is; a longer one counts as the profile's median delta (the sample
 * stands for one sampling period of running, not for the wait). `(idle)` samples count nothing.
 *
 * **Self time by category.** A sample belongs to the module of its leaf frame; a leaf without a script (a
 * built-in such as JSON.stringify, an AsyncLocalStorage lookup, a Response constructor) belongs to its nearest
 * caller that has one, so built-ins count toward the code that called them. A stack with no scripted frame at all
 * is the runtime's: `(program)` (V8/workerd native code while the isolate is held), `(garbage collector)`, or a
 * native callback.
 *
 * **Inclusive time by file.** Every src/ (and durable-objects/) file with at least one frame on a sample's stack
 * gets that sample once.
 */
export interface BundleMap {
  moduleAt(line: number): string;
}

const markerPattern = /^\/\/ (\S+\.(?:[cm]?[jt]sx?|json))$/;

export function readBundleMap(bundlePath: string): BundleMap {
  const lines = readFileSync(bundlePath, "utf8").split("\n");
  const marks: { line: number; module: string }[] = [];
  lines.forEach((text, line) => {
    const match = markerPattern.exec(text);
    if (match?.[1] !== undefined) marks.push({ line, module: normaliseModule(match[1]) });
  });
  return {
    moduleAt(line) {
      let low = 0;
      let high = marks.length - 1;
      let found = "(bundle prelude)";
      while (low <= high) {
        const middle = (low + high) >> 1;
        const mark = marks[middle];
        if (mark === undefined) break;
        if (mark.line <= line) {
          found = mark.module;
          low = middle + 1;
        } else {
          high = middle - 1;
        }
      }
      return found;
    },
  };
}

/** `../main/node_modules/zod/v4/core/util.js` → `node_modules/zod/v4/core/util.js`; project paths stay relative. */
function normaliseModule(path: string): string {
  const at = path.lastIndexOf("node_modules/");
  if (at >= 0) return path.slice(at);
  return path.replace(/^(\.\.\/)+[^/]+\//, "");
}

/** The package of a `node_modules/…` module (`@sentry/core`, `hono`), or undefined for project code. */
export function packageOf(module: string): string | undefined {
  if (!module.startsWith("node_modules/")) return undefined;
  const parts = module.split("/");
  return parts[1]?.startsWith("@") ? `${parts[1]}/${parts[2] ?? ""}` : parts[1];
}

/** Sentry's packages count as one library. */
function categoryOfPackage(name: string | undefined): string | undefined {
  return name?.startsWith("@sentry/") ? "@sentry/*" : name;
}

export function isOurs(module: string): boolean {
  return /^(src|durable-objects|cron|queues)\//.test(module);
}

export interface Attribution {
  /** Sampled non-idle time, µs, over the whole profile. */
  activeMicros: number;
  samples: number;
  idleSamples: number;
  medianDeltaMicros: number;
  /** Self time by category (`ours`, a package name, `runtime`, `other`) and, within it, by module or name. */
  selfByModule: Map<string, number>;
  selfByCategory: Map<string, number>;
  /** Self time by function: `name · module` (built-ins: `name (built-in) · caller's module`). */
  selfByFunction: Map<string, number>;
  /** Inclusive time of our files. */
  inclusiveByFile: Map<string, number>;
}

export function attribute(profile: CpuProfile, bundle: BundleMap, options: { bundleUrl: string; gapMicros: number }): Attribution {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const moduleCache = new Map<CallFrame, string | undefined>();
  const moduleOf = (frame: CallFrame): string | undefined => {
    if (moduleCache.has(frame)) return moduleCache.get(frame);
    let module: string | undefined;
    if (frame.url === options.bundleUrl && frame.lineNumber >= 0) module = bundle.moduleAt(frame.lineNumber);
    else if (frame.url !== "") module = `(runtime script) ${frame.url}`;
    moduleCache.set(frame, module);
    return module;
  };

  const deltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const medianDeltaMicros = deltas[deltas.length >> 1] ?? 0;
  const result: Attribution = {
    activeMicros: 0,
    samples: profile.samples.length,
    idleSamples: 0,
    medianDeltaMicros,
    selfByModule: new Map(),
    selfByCategory: new Map(),
    selfByFunction: new Map(),
    inclusiveByFile: new Map(),
  };
  const add = (map: Map<string, number>, key: string, micros: number) => map.set(key, (map.get(key) ?? 0) + micros);

  profile.samples.forEach((nodeId, index) => {
    const leaf = nodes.get(nodeId);
    if (leaf === undefined) return;
    if (leaf.callFrame.functionName === "(idle)") {
      result.idleSamples += 1;
      return;
    }
    const delta = profile.timeDeltas[index] ?? medianDeltaMicros;
    const micros = delta <= options.gapMicros ? delta : medianDeltaMicros;
    result.activeMicros += micros;

    // Walk leaf → root once: the nearest scripted frame (self attribution) and our files on the stack.
    let owner: string | undefined;
    const ours = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parent.get(id)) {
      const frame = nodes.get(id)?.callFrame;
      if (frame === undefined) break;
      const module = moduleOf(frame);
      if (module === undefined) continue;
      owner ??= module;
      if (isOurs(module)) ours.add(module);
    }
    for (const file of ours) add(result.inclusiveByFile, file, micros);

    const leafModule = moduleOf(leaf.callFrame);
    const name = leaf.callFrame.functionName || "(anonymous)";
    if (owner === undefined) {
      add(result.selfByCategory, "runtime", micros);
      add(result.selfByModule, `runtime: ${name}`, micros);
      add(result.selfByFunction, `${name} · runtime`, micros);
      return;
    }
    const category = isOurs(owner) ? "ours" : (categoryOfPackage(packageOf(owner)) ?? (owner.startsWith("(runtime script)") ? "runtime" : "other"));
    add(result.selfByCategory, category, micros);
    add(result.selfByModule, owner, micros);
    add(result.selfByFunction, leafModule === undefined ? `${name} (built-in) · ${owner}` : `${name} · ${owner}`, micros);
  });
  return result;
}
