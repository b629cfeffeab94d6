-- The audit log names who acted and on whom by email too (as SQLite's 0026): names are not
-- unique, and a member who took another's name (an Owner's) acted under it in the log. Entries
-- recorded before this get the emails of those still members of the entry's organization:
-- someone who left may have another address now, which is not the organization's to learn.
ALTER TABLE audit_events ADD COLUMN actor_email TEXT COLLATE "C";
ALTER TABLE audit_events ADD COLUMN target_email TEXT COLLATE "C";
UPDATE audit_events e SET actor_email = u.email FROM users u
WHERE u.id = e.actor_id AND u.org_id = e.org_id;
UPDATE audit_events e SET target_email = u.email FROM users u
WHERE u.id = e.target_id AND u.org_id = e.org_id;
