-- Periodic jobs (the daily domain re-check, pruning) that every replica schedules but one should
-- run: the first replica to take a job's turn runs it, and the job is not due again before next_at.
CREATE TABLE job_turns (
    job TEXT PRIMARY KEY,
    next_at BIGINT NOT NULL
);
