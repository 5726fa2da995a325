-- Guards for atomic writes over HTTP (ARCHITECTURE "Database access over HTTP"): a write is one statement or
-- one batch, which cannot branch in the Worker. A guard turns "this condition must hold" into an error that
-- aborts the whole statement/batch, so nothing of the write (nor its idempotency record) is committed.
-- SQLSTATE PFG01; MESSAGE = the API error code (e.g. VERSION_CONFLICT); DETAIL = JSON details for the client.
-- The Worker maps it back to the docs/errors.md error (src/services/writes.ts).
CREATE OR REPLACE FUNCTION perpetua_guard(ok boolean, code text, details jsonb DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = 'PFG01', MESSAGE = code, DETAIL = coalesce(details::text, 'null');
  END IF;
  RETURN true;
END;
$$;
