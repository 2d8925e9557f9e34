import ArgumentParser

@main
struct Baton: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "baton", abstract: "Baton orchestration specs.")
}
