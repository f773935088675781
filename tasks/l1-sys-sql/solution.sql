-- Reference solution of l1-sys-sql: one script for every seed (it reads its numbers from the
-- settings table). Run it with any SQLite client, e.g.
--   sqlite3 "$IOTLAB_WORKDIR/iot.db" < solution.sql
--   python3 -c 'import os, sqlite3; c = sqlite3.connect(os.environ["IOTLAB_WORKDIR"] + "/iot.db"); c.executescript(open("solution.sql").read()); c.close()'

-- 1. DDL: an index for look-ups of one device's readings by time.
CREATE INDEX IF NOT EXISTS idx_readings_device_ts ON readings (device_id, ts);

-- 2. DML: delete the readings outside their kind's valid range (the bounds are valid).
DELETE FROM readings
WHERE id IN (
  SELECT r.id
  FROM readings AS r
  JOIN devices AS d ON d.id = r.device_id
  JOIN kinds AS k ON k.kind = d.kind
  WHERE r.value < k.min_valid OR r.value > k.max_valid
);

-- 3. DML: a device is online when it has a reading at or after now − offline_after_min minutes.
UPDATE devices
SET status = CASE
  WHEN EXISTS (
    SELECT 1 FROM readings AS r
    WHERE r.device_id = devices.id
      AND r.ts >= (SELECT value FROM settings WHERE key = 'now_ts')
                 - (SELECT value FROM settings WHERE key = 'offline_after_min') * 60000
  ) THEN 'online'
  ELSE 'offline'
END;

-- 4. DDL: one row per device over its (remaining) readings.
CREATE VIEW IF NOT EXISTS v_device_summary AS
SELECT d.id AS device_id,
       d.kind AS kind,
       COUNT(r.id) AS readings,
       AVG(r.value) AS avg_value,
       MAX(r.ts) AS last_ts
FROM devices AS d
LEFT JOIN readings AS r ON r.device_id = d.id
GROUP BY d.id, d.kind;

-- 5. Queries, their results kept in the answers table.
INSERT OR REPLACE INTO answers (key, value)
SELECT 'top_device', device_id
FROM v_device_summary
WHERE kind = 'temperature'
ORDER BY avg_value DESC
LIMIT 1;

INSERT OR REPLACE INTO answers (key, value)
SELECT 'count_above', COUNT(*)
FROM readings AS r
JOIN devices AS d ON d.id = r.device_id
WHERE d.kind = 'temperature'
  AND r.value > (SELECT value FROM settings WHERE key = 'count_threshold');

INSERT OR REPLACE INTO answers (key, value)
SELECT 'offline_count', COUNT(*) FROM devices WHERE status = 'offline';
