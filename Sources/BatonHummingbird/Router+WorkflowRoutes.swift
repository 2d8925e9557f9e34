public import BatonHTTP
import Foundation
public import Hummingbird

extension RouterMethods {
    /// Mounts the workflow routes of a generated orchestrator (spec-v1 §13):
    ///
    /// ```swift
    /// let router = Router()
    /// router.addWorkflowRoutes(orchestrator.httpRoutes())
    /// ```
    ///
    /// Each route answers at its method and path (`{name}` placeholders become router
    /// parameters). The body is read up to the route's ``HTTPWorkflowRoute/maxBodyBytes``; a
    /// larger one is answered 413 without reading the rest.
    @discardableResult
    public func addWorkflowRoutes(_ routes: [HTTPWorkflowRoute]) -> Self {
        for route in routes {
            on(RouterPath(Self.routerPath(route)), method: route.method) { request, context -> Response in
                let body = try await Self.collect(request.body, upTo: route.maxBodyBytes + 1)
                var parameters: [String: String] = [:]
                for case .parameter(let name) in route.pathParts {
                    if let raw = context.parameters.get(name) { parameters[name] = raw.removingPercentEncoding ?? raw }
                }
                let answer = await route.respond(to: request.head, pathParameters: parameters, body: body)
                return Response(
                    status: answer.head.status, headers: answer.head.headerFields,
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body))
                )
            }
        }
        return self
    }

    /// `/v1/orders/{orderId}` → `/v1/orders/:orderId`.
    static func routerPath(_ route: HTTPWorkflowRoute) -> String {
        route.pathParts.map { part in
            switch part {
            case .literal(let text): text
            case .parameter(let name): ":" + name
            }
        }.joined()
    }

    /// At most `limit` bytes of the body; what is past them is left unread.
    static func collect(_ body: RequestBody, upTo limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in body {
            bytes.append(contentsOf: buffer.readableBytesView.prefix(limit - bytes.count))
            if bytes.count >= limit { break }
        }
        return bytes
    }
}
