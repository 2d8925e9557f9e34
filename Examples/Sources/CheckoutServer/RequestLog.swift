import CheckoutSimulation
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request: method, path, status, duration and the correlation id (the one the
/// workflow routes answer with in `X-Correlation-ID`, else the request's, else `-`).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, status: response.status, correlationID: response.headers[.correlationID], since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            log(request, status: status, correlationID: nil, since: start)
            throw error
        }
    }

    private func log(_ request: Request, status: HTTPResponse.Status, correlationID: String?, since start: ContinuousClock.Instant) {
        let elapsed = formatDuration(start.duration(to: .now))
        let id = correlationID ?? request.headers[.correlationID] ?? "-"
        logger.info("\(request.method) \(request.uri.path) \(status.code) \(elapsed) correlation-id=\(id)")
    }
}
