-- Bulk orders through the API (issue 14 §3): a client places a file with an
-- `Idempotency-Key`, so a retry of the same request finds the upload it made instead of
-- placing the file again. The key is the client's, unique within its institution; the
-- fingerprint (SHA-256 of the rows as read, and the valid-rows-only flag) tells a retry
-- from a different file sent under the same key. Uploads from the page have neither.
ALTER TABLE bulk_uploads
    ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 64),
    ADD COLUMN request_fingerprint bytea CHECK (length(request_fingerprint) = 32),
    ADD CONSTRAINT bulk_uploads_idempotency_key UNIQUE (institution_id, idempotency_key),
    ADD CONSTRAINT bulk_uploads_keyed_with_fingerprint
        CHECK ((idempotency_key IS NULL) = (request_fingerprint IS NULL));
