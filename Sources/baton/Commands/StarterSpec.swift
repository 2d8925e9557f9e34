/// The commented starter spec `baton init` writes. It lints clean for any valid name (a test
/// checks this) and teaches the format as it goes: what each section is, the defaults, and where
/// to read more.
enum StarterSpec {
    static func text(name: String) -> String {
        """
        # yaml-language-server: $schema=./baton.schema.json
        #
        # A Baton orchestration spec (format 1). The line above points editors at the JSON Schema
        # of the format (`baton schema` prints it): completion, checks as you type and a description
        # of every key on hover. `baton lint` checks everything else, `baton generate` writes Swift.
        #
        # Every mapping is closed: a misspelt key is an error, with a "did you mean". Durations are
        # written 250ms, 1.5s or 1m30s; rates 100/s; ratios 50%. Every key, its default and every
        # lint rule: Sources/BatonSpec/BatonSpec.docc/SpecReference.md in the Baton repository;
        # complete examples: its specs/ folder.

        baton: 1                # the format version
        name: \(name)${NAME_PAD}# UpperCamelCase; the generated orchestrator is \(name)Orchestrator
        description: Shows an order together with its shipment.   # becomes doc comments

        # Types: records (`field: type`) and enums, generated as Codable Swift structs and enums.
        # Built in: string, int, double, bool, decimal, date (RFC 3339), uuid. "[T]" is a list,
        # "[string: T]" a dictionary, a trailing ? makes a value optional. Quote what starts with [.
        types:
          Order:
            id: string
            status: OrderStatus
            total: decimal
            placedAt: date
          OrderStatus:
            enum: [placed, paid, shipped, delivered]
          Shipment:
            description: Where the parcel is.            # the long form: a description and `fields`
            fields:
              carrier: string
              trackingCode: { type: string, description: The carrier's tracking code. }
              eta: date?
          OrderView:
            order: Order
            shipment: Shipment?                          # optional: the shipment step may fail

        # Policies: named resilience settings that services, operations and steps use by name.
        # A setting can also be written inline, or as `none` to switch off an inherited one.
        # Nothing is on unless written: no retries, breakers, rate limits, bulkheads, hedging or
        # caching. Other sections: rateLimits, bulkheads, hedges, caches.
        policies:
          retries:
            # maxAttempts counts the first call (default 3). Backoff defaults: 25ms, doubling, at
            # most 1s, full jitter. Retried by default: timeout, unavailable, overloaded, transient
            # errors, within a budget of 20% extra calls per service (plus 10 per second).
            standard: { maxAttempts: 3, backoff: { initial: 20ms, max: 200ms } }
          circuitBreakers:
            # Opens at a 50% failure rate over the last 20 calls (once 10 were seen) and stays
            # open for 5s: the defaults, written out. `mode: consecutive` counts failures in a row.
            standard: { failureRate: 50%, window: 20, minCalls: 10, openFor: 5s }

        # Services: what you call. Each becomes a protocol (OrdersService, ShippingService) with a
        # method per operation, which you implement, usually as a client of the real service.
        # Settings on a service (timeout, retry, circuitBreaker, rateLimit, bulkhead, hedge) apply
        # to all of its operations; an operation or a step can override them. A service may also
        # list `endpoints` and `routing` (round-robin, least-latency, region-first, rules).
        services:
          orders:
            description: The order database.
            timeout: 100ms                       # per attempt; without one, only the deadline bounds it
            retry: standard
            circuitBreaker: standard
            operations:
              getOrder:
                input: { orderId: string }       # an inline record, generated as OrdersGetOrderInput
                output: Order
                # `access: read` is the default. A `write` is never cached, and never retried or
                # hedged unless it names an `idempotencyKey` (an input field).
                cache: { ttl: 10s }              # reads may be cached; keyed by all input fields
          shipping:
            description: The carrier gateway.
            timeout: 300ms
            operations:
              track:
                input: { orderId: string }
                output: Shipment

        # Workflows: what your callers call, one orchestrator method each. A step starts as soon as
        # the steps it references have finished: `$input` is the workflow's input, `$order` the
        # output of step `order`. Here both steps only need the input, so they run in parallel.
        workflows:
          showOrder:
            description: An order and, when the carrier answers in time, its shipment.
            input: { orderId: string }           # generated as ShowOrderInput
            output: OrderView
            deadline: 800ms                      # required: covers every step, retry and backoff
            slo:                                 # objectives; `baton alerts` writes Prometheus alerts
              availability: 99.9%                # runs that produce output, of all runs
              latency: { threshold: 300ms, target: 99% }
            steps:
              order:
                call: orders.getOrder
                with: { orderId: $input.orderId }
              shipment:
                call: shipping.track
                with: { orderId: $input.orderId }
                optional: true                   # a failure leaves `shipment` out instead of failing
            # Other step keys: after, fallback, compensate, when, mode: async, and the overrides
            # timeout, retry, circuitBreaker, hedge.
            result:                              # builds the output from $input and step values
              order: $order
              shipment: $shipment

        """.replacingOccurrences(of: "${NAME_PAD}", with: String(repeating: " ", count: max(1, 18 - name.count)))
    }
}
