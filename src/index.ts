// Worker entry (ARCHITECTURE "Layout"): the handlers and the Durable Object classes. No logic here.
import { createWorker } from "./worker";

export { UserGuard } from "../durable-objects/user-guard/object";
export { VoiceRelay } from "../durable-objects/voice-relay/object";
export { UserHub } from "../durable-objects/user-hub/object";
export { MetricsAggregate } from "../durable-objects/metrics-aggregate/object";

export default createWorker();
