-- The audit log names who acted and on whom by email too: names are not unique, and a member who
-- took another's name (an Owner's) acted under it in the log. Entries recorded before this get
-- the emails of those still members of the entry's organization (ids are never reused, 0023):
-- someone who left may have another address now, which is not the organization's to learn.
ALTER TABLE audit_events ADD COLUMN actor_email TEXT;
ALTER TABLE audit_events ADD COLUMN target_email TEXT;
UPDATE audit_events SET actor_email = (SELECT email FROM users
    WHERE users.id = audit_events.actor_id AND users.org_id = audit_events.org_id)
WHERE actor_id IS NOT NULL;
UPDATE audit_events SET target_email = (SELECT email FROM users
    WHERE users.id = audit_events.target_id AND users.org_id = audit_events.org_id)
WHERE target_id IS NOT NULL;
