/// The settings of an operation's response cache (spec-v1 §4 `cache`), plus the runtime's own
/// knobs for refresh-ahead and background work.
///
/// ```swift
/// // cache: { ttl: 10s, staleWhileRevalidate: 1m, staleIfError: 5m, maxEntries: 5000 }
/// let policy = CachePolicy(ttl: .seconds(10), staleWhileRevalidate: .seconds(60), staleIfError: .seconds(300), maxEntries: 5_000)
/// ```
public struct CachePolicy: Sendable, Hashable {
    /// Refreshing popular entries shortly before they expire, so hot keys never miss.
    public struct RefreshAhead: Sendable, Hashable {
        /// The final share of `ttl` in which a hit starts a background refresh (0 < window < 1);
        /// 0.15 means "in the last 15% of the entry's fresh lifetime".
        public var window: Double
        /// The least estimated recent popularity (``CacheStorage/estimatedFrequency(of:)``, 0…15
        /// for the in-memory storage) for which a key counts as hot.
        public var minimumFrequency: Int

        /// Creates refresh-ahead settings; the defaults are ``standard``.
        ///
        /// - Parameters:
        ///   - window: The final share of `ttl` in which a hit on a hot key starts a background
        ///     refresh; strictly between 0 and 1 (traps otherwise). Default 0.15.
        ///   - minimumFrequency: The least ``CacheStorage/estimatedFrequency(of:)`` of a hot key;
        ///     not negative (traps otherwise). Default 4. A storage that does not track popularity
        ///     reports 0, so with it only a `minimumFrequency` of 0 ever refreshes ahead.
        public init(window: Double = 0.15, minimumFrequency: Int = 4) {
            precondition(window > 0 && window < 1, "refresh-ahead window must be in (0, 1)")
            precondition(minimumFrequency >= 0, "minimumFrequency must not be negative")
            self.window = window
            self.minimumFrequency = minimumFrequency
        }

        /// The last 15% of `ttl`, for keys seen at least 4 times recently.
        public static let standard = RefreshAhead()
    }

    /// How long a value is fresh.
    public var ttl: Duration
    /// How long past `ttl` a stale value is still served while one background refresh runs.
    public var staleWhileRevalidate: Duration
    /// How long past `ttl` a stale value is served when the call fails.
    public var staleIfError: Duration
    /// The bound on entries (the default storage admits and evicts by popularity).
    public var maxEntries: Int
    /// Refresh hot keys near expiry; `nil` turns it off.
    public var refreshAhead: RefreshAhead?
    /// Background refreshes (stale-while-revalidate and refresh-ahead) running at once; more are
    /// dropped (counted) and the stale value is still served.
    public var maxBackgroundRefreshes: Int

    /// Creates cache settings; the defaults are spec-v1's (no stale windows, 10 000 entries) plus
    /// the runtime's refresh-ahead and background-refresh limits.
    ///
    /// - Parameters:
    ///   - ttl: How long a value is fresh; must be positive (traps otherwise).
    ///   - staleWhileRevalidate: How long past `ttl` a stale value is served while one background
    ///     refresh runs. Default `.zero`: a value past `ttl` is a miss.
    ///   - staleIfError: How long past `ttl` a stale value is served when the call fails.
    ///     Default `.zero`: the failure is thrown.
    ///   - maxEntries: The bound on entries of the default storage; at least 1. Default 10 000.
    ///   - refreshAhead: Refresh hot keys shortly before they expire; `nil` turns it off.
    ///     Default ``RefreshAhead/standard``.
    ///   - maxBackgroundRefreshes: Background refreshes running at once per cache; 0 or more.
    ///     Default 64.
    public init(
        ttl: Duration,
        staleWhileRevalidate: Duration = .zero,
        staleIfError: Duration = .zero,
        maxEntries: Int = 10_000,
        refreshAhead: RefreshAhead? = .standard,
        maxBackgroundRefreshes: Int = 64
    ) {
        precondition(ttl > .zero, "ttl must be positive")
        precondition(staleWhileRevalidate >= .zero && staleIfError >= .zero, "stale windows must not be negative")
        precondition(maxEntries >= 1, "maxEntries must be at least 1")
        precondition(maxBackgroundRefreshes >= 0, "maxBackgroundRefreshes must not be negative")
        self.ttl = ttl
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
        self.maxEntries = maxEntries
        self.refreshAhead = refreshAhead
        self.maxBackgroundRefreshes = maxBackgroundRefreshes
    }

    /// The age from which a hit on a hot key starts a refresh-ahead, if enabled.
    var refreshAheadAge: Duration? {
        guard let refreshAhead else { return nil }
        return ttl * (1 - refreshAhead.window)
    }
}
