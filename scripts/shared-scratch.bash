# Sourced by .ci/run and by the scripts that build a package beside this one (check-generated,
# check-random-specs, check-plugins, check-readme). Such a package depends on Baton by path, so in
# a scratch folder of its own it compiles Baton's runtime and dependencies again, and the baton
# tool of the plugins (minutes each on 2 cores). With BATON_SHARED_SCRATCH set to a scratch folder
# (`.ci/run` sets it to this package's `.build`) they all build there instead, so that each of
# those compiles once for the whole run.
#
# SwiftPM caches the build plan of a scratch folder and does not notice when another root package
# uses the folder: it would build the previous package's plan. So whoever builds another package
# there forgets the plan before and after (`forget_shared_plan`).

# scratch_folder DEFAULT: the scratch folder to build in (DEFAULT unless one is shared).
scratch_folder() { echo "${BATON_SHARED_SCRATCH:-$1}"; }

# forget_shared_plan: deletes the cached build plans of the shared scratch folder, if there is one.
forget_shared_plan() {
    if [[ -n "${BATON_SHARED_SCRATCH:-}" ]]; then
        rm -f "$BATON_SHARED_SCRATCH"/{debug,release,plugin-tools}.yaml
    fi
}
