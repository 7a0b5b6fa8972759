-- The server's append-only, hash-chained audit log: the same entry format and hash as the
-- desktop's audit_log (DESIGN §5). details never hold secrets.
CREATE TABLE server_audit (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX server_audit_entity ON server_audit (entity, entity_id);

CREATE TRIGGER server_audit_no_update BEFORE UPDATE ON server_audit BEGIN
  SELECT RAISE(ABORT, 'server_audit is append-only');
END;
CREATE TRIGGER server_audit_no_delete BEFORE DELETE ON server_audit BEGIN
  SELECT RAISE(ABORT, 'server_audit is append-only');
END;
