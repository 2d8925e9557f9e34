// The code of this target is generated from checkout.baton.yaml at build time by the
// BatonBuildTool plugin. SwiftPM ignores a target without a Swift file of its own (warning
// "Source files for target Checkout should be located under 'Sources/Checkout'") and then never
// runs its plugins, so every target using the plugin needs at least one, even if it is empty.
