// The code of this target is generated from serve-http.baton.yaml at build time by the
// BatonBuildTool plugin; SwiftPM runs a target's plugins only when it has a Swift file of its own.
