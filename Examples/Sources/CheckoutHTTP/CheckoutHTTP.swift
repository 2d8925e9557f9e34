// The code of this module is generated at build time by the BatonBuildTool plugin from
// checkout.baton.yaml in this folder: specs/checkout.baton.yaml with every service bound to HTTP,
// written by Examples/derive-checkout-http-spec.py. Besides the types, the service protocols and
// `CheckoutOrchestrator`, it holds one generated HTTP client per service (checkout.HTTP.swift) and
// the workflow's routes (checkout.Server.swift), which checkout-server serves.
//
// SwiftPM ignores a target without a Swift file of its own, and then never runs its plugins, so
// this file stays even though it declares nothing.
