-- The server's append-only, hash-chained audit log: the same entry format and hash as the
-- desktop's audit_log (DESIGN §5). details never hold secrets.
CREATE TABLE server_audit (
  seq BIGINT PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX server_audit_entity ON server_audit (entity, entity_id);

-- The application never changes or removes an entry; the chain still catches anyone who
-- drops this trigger and edits the table.
CREATE FUNCTION server_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'server_audit is append-only';
END;
$$;
CREATE TRIGGER server_audit_no_change BEFORE UPDATE OR DELETE ON server_audit
  FOR EACH ROW EXECUTE FUNCTION server_audit_append_only();
