import type * as undici from "undici-types";
import { z } from "zod";

/**
 * Node 22's global WebSocket is undici's, which takes `headers` in its init dictionary. The scripts' tsconfig
 * also loads @cloudflare/workers-types, whose global WebSocket (url, protocols) shadows Node's in the types:
 * this declaration names the class the runtime really has (it emits nothing; the global is used).
 */
declare const WebSocket: typeof undici.WebSocket;

/**
 * A minimal Chrome DevTools Protocol client for wrangler dev's inspector (`--inspector-port`): `/json` lists one
 * target, the Worker; its WebSocket takes commands `{id, method, params}` and answers `{id, result | error}`,
 * with events `{method, params}` in between (wrangler's own session keeps `Runtime` enabled, so the Worker's
 * console calls arrive as `Runtime.consoleAPICalled`).
 *
 * wrangler's inspector proxy refuses an upgrade without an allowed `Origin` (localhost, 127.0.0.1 …), so the
 * connection sends `Origin: http://localhost` (Node's WebSocket takes `headers` in its init dictionary).
 */
const targetList = z.array(z.object({ webSocketDebuggerUrl: z.string(), title: z.string().optional() }));
const incoming = z.object({
  id: z.number().optional(),
  method: z.string().optional(),
  params: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.object({ message: z.string() }).optional(),
});

export interface DevToolsTarget {
  url: string;
  title: string;
}

export class DevToolsSession {
  readonly #socket: undici.WebSocket;
  readonly #pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  readonly #listeners = new Map<string, ((params: unknown) => void)[]>();
  #nextId = 1;

  private constructor(socket: undici.WebSocket) {
    this.#socket = socket;
    socket.addEventListener("message", (event) => this.#receive(event.data));
    socket.addEventListener("close", () => {
      for (const { reject } of this.#pending.values()) reject(new Error("DevTools connection closed"));
      this.#pending.clear();
    });
  }

  /** The targets `GET {inspectorOrigin}/json` lists. */
  static async targets(inspectorOrigin: string): Promise<DevToolsTarget[]> {
    const response = await fetch(`${inspectorOrigin}/json`);
    const targets = targetList.parse(await response.json());
    return targets.map((target) => ({ url: target.webSocketDebuggerUrl, title: target.title ?? "" }));
  }

  static async connect(url: string): Promise<DevToolsSession> {
    const socket = new WebSocket(url, { headers: { origin: "http://localhost" } });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`could not open the DevTools WebSocket ${url}`)), { once: true });
    });
    return new DevToolsSession(socket);
  }

  /** Sends a command and resolves with its `result`; rejects with the protocol's error message. */
  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  on(method: string, listener: (params: unknown) => void): void {
    this.#listeners.set(method, [...(this.#listeners.get(method) ?? []), listener]);
  }

  close(): void {
    this.#socket.close();
  }

  #receive(data: unknown): void {
    if (typeof data !== "string") return;
    const parsed = incoming.safeParse(JSON.parse(data));
    if (!parsed.success) return;
    const message = parsed.data;
    // wrangler's proxy multiplexes its own session (ids ≥ 100000000) onto the same socket: answers to ids we
    // never sent are not ours.
    if (message.id !== undefined) {
      const waiting = this.#pending.get(message.id);
      if (waiting === undefined) return;
      this.#pending.delete(message.id);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result);
      return;
    }
    if (message.method !== undefined) for (const listener of this.#listeners.get(message.method) ?? []) listener(message.params);
  }
}

const callFrame = z.object({
  functionName: z.string(),
  scriptId: z.string(),
  url: z.string(),
  lineNumber: z.number(),
  columnNumber: z.number(),
});
const profileNode = z.object({ id: z.number(), callFrame, children: z.array(z.number()).optional() });
/** `Profiler.Profile` (the fields this bench reads). */
export const cpuProfileSchema = z.object({
  nodes: z.array(profileNode),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
export type CpuProfile = z.infer<typeof cpuProfileSchema>;
export type CallFrame = z.infer<typeof callFrame>;

/** Starts the V8 sampling profiler of the target with the given interval (µs). */
export async function startProfiler(session: DevToolsSession, intervalMicros: number): Promise<void> {
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: intervalMicros });
  await session.send("Profiler.start");
}

export async function stopProfiler(session: DevToolsSession): Promise<CpuProfile> {
  const result = z.object({ profile: cpuProfileSchema }).parse(await session.send("Profiler.stop"));
  await session.send("Profiler.disable");
  return result.profile;
}
