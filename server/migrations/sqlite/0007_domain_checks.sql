-- Domain verification over DNS: what the last check found wrong, and when a verified domain's
-- record went missing (it is removed 30 days later unless the record comes back).
ALTER TABLE domains ADD COLUMN last_error TEXT;
ALTER TABLE domains ADD COLUMN lapsed_at BIGINT;

-- One organization at a time can hold a domain verified.
CREATE UNIQUE INDEX domains_verified_name ON domains(name) WHERE state = 'verified';
-- The daily re-check reads verified and lapsed domains in order of their last check.
CREATE INDEX domains_recheck ON domains(state, last_checked_at, id);
