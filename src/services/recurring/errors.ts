/** The generate batch found its occurrence already generated (guard RECURRING_ALREADY_GENERATED): nothing to do. */
export class AlreadyGenerated extends Error {
  constructor() {
    super("the occurrence was generated already");
    this.name = "AlreadyGenerated";
  }
}
