import type { AppRouter } from "./router";
import { mountHealth } from "./health";
import { mountAuth } from "./auth";
import { mountUsers } from "./users";
import { mountTasks } from "./tasks";
import { mountSubtasks } from "./subtasks";
import { mountTags } from "./tags";
import { mountRecovery } from "./recovery";
import { mountActivity } from "./activity";
import { mountAchievements } from "./achievements";
import { mountFocus } from "./focus";
import { mountNotifications } from "./notifications";
import { mountEvents } from "./events";
import { mountPush } from "./push";
import { mountCredits } from "./credits";
import { mountTemplates } from "./templates";
import { mountReminders } from "./reminders";
import { mountNotes } from "./notes";
import { mountSubscription } from "./subscription";
import { mountWebhooks } from "./webhooks";
import { mountVoice } from "./voice";
import { mountMetrics } from "./metrics";
import { mountAiGate } from "./ai/gate";
import { mountAiSuggestions } from "./ai/suggestions";
import { mountAiGenerators } from "./ai/generate";
import { mountAiChat } from "./ai/chat";

/** The only place resources are mounted (STYLE §1); each resource registers its own operations. */
export function mountRoutes(api: AppRouter): void {
  mountHealth(api);
  mountAuth(api);
  mountUsers(api);
  mountTasks(api);
  mountSubtasks(api);
  mountTags(api);
  mountRecovery(api);
  mountActivity(api);
  mountAchievements(api);
  mountFocus(api);
  mountNotifications(api);
  mountEvents(api);
  mountPush(api);
  mountCredits(api);
  mountTemplates(api);
  mountReminders(api);
  mountNotes(api);
  mountSubscription(api);
  mountWebhooks(api);
  mountVoice(api);
  mountMetrics(api);
  // The AI gate first: every /ai/* route answers 503 without OPENAI_API_KEY (routes/ai/gate.ts).
  mountAiGate(api);
  mountAiSuggestions(api);
  mountAiGenerators(api);
  mountAiChat(api);
}
