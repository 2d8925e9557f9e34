// The code of this module is generated at build time from checkout.baton.yaml (a symbolic link to
// the repository's specs/checkout.baton.yaml) by the BatonBuildTool plugin: the spec's types, one
// protocol per service (`CartService`, `PricingService`, …) and `CheckoutOrchestrator`.
//
// SwiftPM ignores a target without a Swift file of its own, and then never runs its plugins, so
// this file stays even though it declares nothing.
