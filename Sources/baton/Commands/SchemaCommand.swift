import ArgumentParser

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of the spec format, for editors.",
        discussion: """
            Editors use it for completion, validation as you type and a description of every key on \
            hover. Save it next to your specs and start each spec with a line naming it (VS Code's YAML \
            extension and other yaml-language-server clients read it):

                baton schema > Sources/Orders/baton.schema.json
                # yaml-language-server: $schema=./baton.schema.json

            The schema checks shapes (keys, names, durations, rates, ratios, enums); `baton lint` checks \
            everything else.
            """
    )

    func run() {
        print(BatonSchema.text, terminator: "")
    }
}
