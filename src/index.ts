// Worker entry (ARCHITECTURE "Layout"): the handlers and the Durable Object classes, each wrapped by Sentry
// (src/lib/sentry.ts: a crash in an RPC method, alarm or WebSocket handler is reported). No logic here.
import { instrumentDurableObjectWithSentry } from "@sentry/cloudflare";
import { MetricsAggregate as MetricsAggregateObject } from "../durable-objects/metrics-aggregate/object";
import { UserGuard as UserGuardObject } from "../durable-objects/user-guard/object";
import { UserHub as UserHubObject } from "../durable-objects/user-hub/object";
import { VoiceRelay as VoiceRelayObject } from "../durable-objects/voice-relay/object";
import { sentryOptions } from "./lib/sentry";
import { createWorker } from "./worker";

export const UserGuard = instrumentDurableObjectWithSentry(sentryOptions, UserGuardObject);
export const VoiceRelay = instrumentDurableObjectWithSentry(sentryOptions, VoiceRelayObject);
export const UserHub = instrumentDurableObjectWithSentry<unknown, UserHubObject, typeof UserHubObject>(sentryOptions, UserHubObject);
export const MetricsAggregate = instrumentDurableObjectWithSentry(sentryOptions, MetricsAggregateObject);

export default createWorker();
