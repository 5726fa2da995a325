/**
 * The fire batch found the reminder no longer pending at the time its message carries (guard REMINDER_MOVED):
 * a parallel delivery fired it, or a change re-timed or cancelled it since the read. Nothing to do.
 */
export class ReminderMoved extends Error {
  constructor() {
    super("the reminder fired or changed since it was read");
    this.name = "ReminderMoved";
  }
}
