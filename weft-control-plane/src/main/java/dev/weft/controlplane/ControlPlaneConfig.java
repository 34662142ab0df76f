package dev.weft.controlplane;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run a control plane: where its state lives, where it listens (port 0: an ephemeral port), how long a
 * sidecar's instance outlives its ADS stream, the clock (a fake one in tests), how long changes are coalesced
 * before snapshots are recomputed, how long the SVIDs the CA issues are valid, and whether xDS is served without
 * TLS.
 *
 * @param insecureXds serve xDS and CSR signing in plaintext, without client authentication: for proxyless gRPC
 *                    clients and tests only; nodes then have no identity and get plaintext-only configuration
 * @param scrapeInterval how often every connected proxy's metrics are scraped for the views
 * @param dashboardPort the port of the read-only dashboard on {@value #DASHBOARD_ADDRESS} (loopback only), 0 for
 *                    an ephemeral port, -1 for none
 */
public record ControlPlaneConfig(Path dataDir, String xdsAddress, int xdsPort, String apiAddress, int apiPort,
                                 Duration sidecarTtl, Clock clock, Duration pushDebounce, Duration svidLifetime,
                                 boolean insecureXds, Duration scrapeInterval, int dashboardPort) {

    public static final int DEFAULT_XDS_PORT = 18000;
    public static final int DEFAULT_API_PORT = 18080;
    public static final String DEFAULT_ADDRESS = "127.0.0.1";
    public static final Duration DEFAULT_SIDECAR_TTL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PUSH_DEBOUNCE = Duration.ofMillis(2);
    public static final Duration DEFAULT_SVID_LIFETIME = Duration.ofHours(24);
    public static final Duration DEFAULT_SCRAPE_INTERVAL = Duration.ofSeconds(5);
    /** The dashboard port of {@code weft control-plane} and {@code weft demo}. */
    public static final int DEFAULT_DASHBOARD_PORT = 18081;
    /** The dashboard listens on loopback only: see docs/architecture.md, "Dashboard". */
    public static final String DASHBOARD_ADDRESS = "127.0.0.1";

    public ControlPlaneConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(xdsAddress, "xdsAddress");
        Objects.requireNonNull(apiAddress, "apiAddress");
        Objects.requireNonNull(clock, "clock");
        checkPort("xdsPort", xdsPort);
        checkPort("apiPort", apiPort);
        if (sidecarTtl.isZero() || sidecarTtl.isNegative()) {
            throw new IllegalArgumentException("sidecarTtl: " + sidecarTtl + " (expected: > 0)");
        }
        if (pushDebounce.isNegative()) {
            throw new IllegalArgumentException("pushDebounce: " + pushDebounce + " (expected: >= 0)");
        }
        if (scrapeInterval == null || scrapeInterval.isNegative() || scrapeInterval.isZero()) {
            throw new IllegalArgumentException("scrapeInterval: " + scrapeInterval + " (expected: > 0)");
        }
        if (dashboardPort < -1 || dashboardPort > 65535) {
            throw new IllegalArgumentException("dashboardPort: " + dashboardPort + " (expected: -1 for none, 0-65535)");
        }
        if (svidLifetime.getNano() != 0 || svidLifetime.getSeconds() < 1) {
            throw new IllegalArgumentException("svidLifetime: " + svidLifetime
                    + " (expected: a whole number of seconds, at least 1)");
        }
    }

    /**
     * The defaults of the contract (loopback, ports 18000 and 18080, TTL 10 s, system clock, SVIDs valid 24 h, xDS
     * over TLS, metrics scraped every 5 s) with {@code dataDir}, without a dashboard (the commands turn it on).
     */
    public static ControlPlaneConfig defaults(Path dataDir) {
        return new ControlPlaneConfig(dataDir, DEFAULT_ADDRESS, DEFAULT_XDS_PORT, DEFAULT_ADDRESS, DEFAULT_API_PORT,
                DEFAULT_SIDECAR_TTL, Clock.systemUTC(), DEFAULT_PUSH_DEBOUNCE, DEFAULT_SVID_LIFETIME, false,
                DEFAULT_SCRAPE_INTERVAL, -1);
    }

    /** {@code ~/.weft/control-plane}, the default data directory. */
    public static Path defaultDataDir() {
        return Path.of(System.getProperty("user.home"), ".weft", "control-plane");
    }

    public ControlPlaneConfig withPorts(int newXdsPort, int newApiPort) {
        return new ControlPlaneConfig(dataDir, xdsAddress, newXdsPort, apiAddress, newApiPort, sidecarTtl, clock,
                pushDebounce, svidLifetime, insecureXds, scrapeInterval, dashboardPort);
    }

    public ControlPlaneConfig withSidecarTtl(Duration newSidecarTtl) {
        return new ControlPlaneConfig(dataDir, xdsAddress, xdsPort, apiAddress, apiPort, newSidecarTtl, clock,
                pushDebounce, svidLifetime, insecureXds, scrapeInterval, dashboardPort);
    }

    public ControlPlaneConfig withClock(Clock newClock) {
        return new ControlPlaneConfig(dataDir, xdsAddress, xdsPort, apiAddress, apiPort, sidecarTtl, newClock,
                pushDebounce, svidLifetime, insecureXds, scrapeInterval, dashboardPort);
    }

    public ControlPlaneConfig withSvidLifetime(Duration newSvidLifetime) {
        return new ControlPlaneConfig(dataDir, xdsAddress, xdsPort, apiAddress, apiPort, sidecarTtl, clock,
                pushDebounce, newSvidLifetime, insecureXds, scrapeInterval, dashboardPort);
    }

    /** Serve xDS and CSR signing in plaintext without client authentication (proxyless gRPC tests only). */
    public ControlPlaneConfig withInsecureXds(boolean newInsecureXds) {
        return new ControlPlaneConfig(dataDir, xdsAddress, xdsPort, apiAddress, apiPort, sidecarTtl, clock,
                pushDebounce, svidLifetime, newInsecureXds, scrapeInterval, dashboardPort);
    }

    /** Scrape every proxy's metrics every {@code interval}. */
    public ControlPlaneConfig withScrapeInterval(Duration interval) {
        return new ControlPlaneConfig(dataDir, xdsAddress, xdsPort, apiAddress, apiPort, sidecarTtl, clock,
                pushDebounce, svidLifetime, insecureXds, interval, dashboardPort);
    }

    /** Serve the dashboard on loopback {@code port} (0: ephemeral, -1: none). */
    public ControlPlaneConfig withDashboardPort(int port) {
        return new ControlPlaneConfig(dataDir, xdsAddress, xdsPort, apiAddress, apiPort, sidecarTtl, clock,
                pushDebounce, svidLifetime, insecureXds, scrapeInterval, port);
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + ": " + port + " (expected: 0-65535)");
        }
    }
}
