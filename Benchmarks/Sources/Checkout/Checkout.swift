// The orchestrator is generated at build time from checkout.baton.yaml (a symlink to the example spec).
