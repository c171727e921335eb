-- 0002_s3: what the S3 subset keeps beyond 0001 — flexible checksums of objects and multipart
-- uploads, part times for ListParts, and the indexes that find whether a blob is still used.
-- objects.etag stays the unquoted ETag (hex MD5, or "<hex>-<parts>" after a multipart upload).
ALTER TABLE objects ADD COLUMN checksum_alg TEXT;
ALTER TABLE objects ADD COLUMN checksum TEXT;
ALTER TABLE objects ADD COLUMN checksum_type TEXT;
ALTER TABLE objects ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN checksum_alg TEXT;
ALTER TABLE uploads ADD COLUMN checksum_type TEXT;
ALTER TABLE upload_parts ADD COLUMN modified BIGINT NOT NULL DEFAULT 0;
CREATE INDEX objects_blob ON objects(blob);
CREATE INDEX upload_parts_blob ON upload_parts(blob);
CREATE INDEX uploads_bucket_key ON uploads(bucket, key);
