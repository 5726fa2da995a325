import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { ApiError } from "../errors/api-error";

export const MAX_BODY_BYTES = 1024 * 1024;

/** Bodies over 1 MB are refused before they are read: 413 with code VALIDATION_ERROR (foundation issue, item 4). */
export const bodyLimit = honoBodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError("VALIDATION_ERROR", { status: 413, message: "The request body is larger than 1 MB." });
  },
});
