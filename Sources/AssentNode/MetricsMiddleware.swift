import Hummingbird

/// Records every request's latency by method, route and status. Runs outside `ProblemMiddleware`,
/// so a handler's error is counted with the status of the problem it became, and a request
/// whose client went away mid-body is counted as 499, not as a failure of the node.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: NodeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = start.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            metrics.requestFinished(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status, seconds: seconds)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as HTTPResponseError {
            status = error.status.code
            throw error
        } catch {
            // Only malformed HTTP framing gets past ProblemMiddleware; Hummingbird answers it 400.
            status = 400
            throw error
        }
    }
}
