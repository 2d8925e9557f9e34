// The client is generated from openapi.yaml at build time by swift-openapi-generator's plugin.
