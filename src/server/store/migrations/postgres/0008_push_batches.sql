-- Which device sent a change, and when, is a fact of its push batch, not of each change: an
-- initial sync writes hundreds of thousands of changes in batches of a thousand. `pushes`
-- holds it once per batch, and a change row names its batch (push_id) instead of repeating
-- the device id and the time, and without a foreign-key lookup of the device per row.
-- A change with an op id came from the batch's device; one without is a correction the
-- server wrote while applying that batch (before this migration: origin_device NULL).
-- Nothing is lost: each stored (origin_device, received_at) pair becomes one push, in log
-- order, the rows the server wrote itself keeping a push without a device.
CREATE TABLE pushes (
  id BIGSERIAL PRIMARY KEY,
  -- NULL only for rows written before this migration by the server itself
  device_id TEXT REFERENCES devices (id),
  received_at TEXT NOT NULL
);
INSERT INTO pushes (device_id, received_at)
  SELECT origin_device, received_at FROM changes GROUP BY origin_device, received_at ORDER BY MIN(seq);
ALTER TABLE changes ADD COLUMN push_id BIGINT REFERENCES pushes (id);
UPDATE changes c SET push_id = p.id FROM pushes p WHERE p.received_at = c.received_at AND p.device_id IS NOT DISTINCT FROM c.origin_device;
ALTER TABLE changes ALTER COLUMN push_id SET NOT NULL, DROP COLUMN origin_device, DROP COLUMN received_at;
