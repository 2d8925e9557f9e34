// The HTTP client of pricing-http.baton.yaml is generated at build time (BatonBuildTool plugin).
