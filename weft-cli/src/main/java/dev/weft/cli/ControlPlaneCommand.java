package dev.weft.cli;

import dev.weft.controlplane.ControlPlane;
import dev.weft.controlplane.ControlPlaneConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft control-plane}: the registry, resource store, xDS server and API, on an embedded data directory. */
@Command(name = "control-plane", mixinStandardHelpOptions = true,
        description = "Run the control plane: service registry, resource store (kept in --data-dir), xDS (ADS) "
                + "server for sidecars and proxyless gRPC clients, the certificate authority of the mesh (in "
                + "--data-dir/ca), and the HTTPS API that weft apply/get/delete/token/ca use. The API needs the admin "
                + "token (--data-dir/admin-token); the server, token and trust bundle are written to "
                + "$WEFT_HOME/credentials.json (default ~/.weft) for the other commands, and removed on a clean stop.")
final class ControlPlaneCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the state lives (default: ~/.weft/control-plane).")
    private Path dataDir;

    @Option(names = "--address", paramLabel = "IP", defaultValue = ControlPlaneConfig.DEFAULT_ADDRESS,
            description = "Address both ports bind (default: ${DEFAULT-VALUE}).")
    private String address;

    @Option(names = "--xds-port", paramLabel = "PORT", defaultValue = "" + ControlPlaneConfig.DEFAULT_XDS_PORT,
            description = "The xDS (ADS, gRPC) port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int xdsPort;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "" + ControlPlaneConfig.DEFAULT_API_PORT,
            description = "The HTTPS API port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int apiPort;

    @Option(names = "--sidecar-ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long a sidecar's instance outlives its lost xDS stream (default: 10s).")
    private Duration sidecarTtl;

    @Option(names = "--svid-lifetime", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long the workload certificates (SVIDs) the CA issues are valid, whole seconds "
                    + "(default: 24h).")
    private Duration svidLifetime;

    @Option(names = "--dashboard-port", paramLabel = "PORT",
            defaultValue = "" + ControlPlaneConfig.DEFAULT_DASHBOARD_PORT,
            description = "The read-only web dashboard's port on 127.0.0.1 (loopback only, whatever --address is); "
                    + "0 picks a free one, -1 turns it off (default: ${DEFAULT-VALUE}).")
    private int dashboardPort;

    @Option(names = "--scrape-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How often every connected proxy's metrics are gathered for weft stat and the dashboard "
                    + "(default: 5s).")
    private Duration scrapeInterval;

    @Option(names = "--insecure-xds",
            description = "Serve xDS and certificate signing in plaintext without client authentication, for "
                    + "proxyless gRPC clients and tests only: nodes get no identity and plaintext-only configuration.")
    private boolean insecureXds;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ControlPlaneConfig config;
        try {
            config = new ControlPlaneConfig(dataDir != null ? dataDir : ControlPlaneConfig.defaultDataDir(), address,
                    xdsPort, address, apiPort, sidecarTtl != null ? sidecarTtl : ControlPlaneConfig.DEFAULT_SIDECAR_TTL,
                    Clock.systemUTC(), ControlPlaneConfig.DEFAULT_PUSH_DEBOUNCE,
                    svidLifetime != null ? svidLifetime : ControlPlaneConfig.DEFAULT_SVID_LIFETIME, insecureXds,
                    scrapeInterval != null ? scrapeInterval : ControlPlaneConfig.DEFAULT_SCRAPE_INTERVAL,
                    dashboardPort);
        } catch (IllegalArgumentException e) {
            err.println("weft control-plane: " + e.getMessage().replace("xdsPort", "--xds-port")
                    .replace("apiPort", "--api-port").replace("sidecarTtl", "--sidecar-ttl")
                    .replace("svidLifetime", "--svid-lifetime").replace("scrapeInterval", "--scrape-interval")
                    .replace("dashboardPort", "--dashboard-port"));
            return 2;
        }
        ControlPlane controlPlane;
        try {
            controlPlane = ControlPlane.start(config);
        } catch (IOException e) {
            err.println("weft control-plane: " + e.getMessage());
            return 1;
        }
        Credentials credentials = new Credentials(controlPlane.apiUri(), controlPlane.adminToken().value(),
                controlPlane.trustBundleFile());
        Path credentialsFile = Credentials.defaultFile();
        try {
            credentials.write(credentialsFile);
        } catch (IOException e) {
            controlPlane.close();
            err.println("weft control-plane: cannot write " + credentialsFile + ": " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controlPlane.close();
            credentials.removeIfStillIn(credentialsFile);
            stopped.countDown();
        }, "weft-stop"));
        out.printf("weft control-plane ready: xds=%s:%d api=%s data-dir=%s%n", address, controlPlane.xdsPort(),
                controlPlane.apiUri(), config.dataDir());
        if (controlPlane.dashboardUri() != null) {
            out.printf("dashboard (read-only, this host only): %s%n", controlPlane.dashboardUri());
        }
        out.printf("admin credentials for weft apply/get/...: %s (token in %s, trust bundle %s)%n",
                credentialsFile, controlPlane.adminToken().file(), controlPlane.trustBundleFile());
        out.flush();
        stopped.await();
        return 0;
    }
}
