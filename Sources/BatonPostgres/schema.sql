-- The tables of BatonPostgres with the default prefix baton_ (PostgresSchema.statements).
-- Idempotent; generated from the code by BATON_UPDATE_SCHEMA=1 swift test --filter Postgres.

CREATE TABLE IF NOT EXISTS baton_idempotency (
    scope text NOT NULL,
    key text NOT NULL,
    state text NOT NULL,
    owner text NOT NULL,
    lease_until timestamptz NOT NULL,
    result bytea,
    error text,
    expires_at timestamptz,
    PRIMARY KEY (scope, key)
);

CREATE INDEX IF NOT EXISTS baton_idempotency_expires ON baton_idempotency (expires_at);

CREATE TABLE IF NOT EXISTS baton_saga_runs (
    run_id text PRIMARY KEY,
    workflow text NOT NULL,
    correlation_id text NOT NULL,
    state text NOT NULL DEFAULT 'running',
    owner text NOT NULL,
    lease_until timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz
);

CREATE INDEX IF NOT EXISTS baton_saga_runs_lease ON baton_saga_runs (lease_until) WHERE state = 'running';

CREATE TABLE IF NOT EXISTS baton_saga_steps (
    run_id text NOT NULL,
    step text NOT NULL,
    sequence integer NOT NULL,
    operation text NOT NULL,
    idempotency_key text NOT NULL,
    input bytea NOT NULL,
    state text NOT NULL DEFAULT 'completed',
    claim_until timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, step)
);

CREATE TABLE IF NOT EXISTS baton_async_calls (
    id bigserial PRIMARY KEY,
    workflow text NOT NULL,
    step text NOT NULL,
    operation text NOT NULL,
    correlation_id text NOT NULL,
    idempotency_key text,
    input bytea NOT NULL,
    state text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    available_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    locked_until timestamptz,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX IF NOT EXISTS baton_async_calls_ready ON baton_async_calls (available_at, id) WHERE state = 'pending';
