import { guardedScenario } from "./guarded.ts";

/** The write segment of `guarded` (issue 17): `POST /tasks` with the edge guards vs without, alternating. */
export default guardedScenario("write");
