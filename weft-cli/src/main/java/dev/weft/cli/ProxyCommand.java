package dev.weft.cli;

import com.google.protobuf.util.JsonFormat;
import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.ProxySnapshot;
import dev.weft.proxy.identity.IdentityRefusedException;
import dev.weft.proxy.identity.WorkloadIdentity;
import dev.weft.proxy.sidecar.SidecarBootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft proxy}: the Weft proxy, either from a static Envoy v3 bootstrap ({@code --config}) or as a sidecar
 * configured over xDS by the control plane ({@code --control-plane}), optionally starting the app beside it.
 */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = {"Run the Weft proxy: from an Envoy v3 bootstrap (--config), or as a sidecar that the control "
                + "plane configures over xDS (--control-plane HOST:PORT --service NAME ...).",
            "After `--`, a command to run once the proxy is ready: its exit stops the proxy, with its exit code."})
final class ProxyCommand implements Callable<Integer> {
    private static final long DRAIN_MILLIS = 5_000;
    /** How long a sidecar waits for its first certificate before it gives up. */
    static final Duration IDENTITY_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> IDENTITY_OPTIONS = List.of("--join-token", "--join-token-file",
            "--trust-bundle", "--trust-domain", "--service-account", "--insecure");

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Mode mode;

    static final class Mode {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "Bootstrap file (envoy.config.bootstrap.v3.Bootstrap as YAML or JSON).")
        Path config;

        @Option(names = "--control-plane", paramLabel = "HOST:PORT",
                description = "Run as a sidecar configured by this control plane's xDS port (e.g. 127.0.0.1:18000).")
        String controlPlane;
    }

    @Option(names = "--service", paramLabel = "NAME", description = "Sidecar: the service of the local app.")
    private String service;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default",
            description = "Sidecar: the service's namespace (default: ${DEFAULT-VALUE}).")
    private String namespace;

    @Option(names = "--app-port", paramLabel = "PORT", defaultValue = "0",
            description = "Sidecar: where the local app listens on 127.0.0.1; 0 for a client-only sidecar that "
                    + "registers nothing (default: ${DEFAULT-VALUE}).")
    private int appPort;

    @Option(names = "--app-protocol", paramLabel = "PROTOCOL",
            description = "Sidecar: HTTP, HTTP2 or GRPC (default: the Service port's protocol).")
    private String appProtocol;

    @Option(names = "--inbound-port", paramLabel = "PORT", defaultValue = "15006",
            description = "Sidecar: the port the mesh reaches the app through (default: ${DEFAULT-VALUE}).")
    private int inboundPort;

    @Option(names = "--outbound-port", paramLabel = "PORT", defaultValue = "15001",
            description = "Sidecar: the app's HTTP-proxy-style port on 127.0.0.1, routing on Host "
                    + "(http://reviews/...); 0 for none (default: ${DEFAULT-VALUE}).")
    private int outboundPort;

    @Option(names = "--address", paramLabel = "IP", defaultValue = "127.0.0.1",
            description = "Sidecar: the IP the inbound port binds and is registered with (default: ${DEFAULT-VALUE}).")
    private String address;

    @Option(names = "--upstream", paramLabel = "SERVICE[.NS][=LOCALPORT]",
            description = "Sidecar: a service the app calls, optionally also on a fixed local port; repeatable. "
                    + "Without any, the sidecar receives every service of the mesh.")
    private List<String> upstreams = new ArrayList<>();

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE",
            description = "Sidecar: a label of this instance, e.g. version=v2 or zone=a; repeatable.")
    private Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--instance", paramLabel = "NAME",
            description = "Sidecar: the name this instance registers under (default: SERVICE-ADDRESS-INBOUNDPORT).")
    private String instance;

    @Option(names = "--node-id", paramLabel = "ID", description = "Sidecar: the xDS node id (default: derived).")
    private String nodeId;

    @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "15000",
            description = "Sidecar: the admin port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int adminPort;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "0",
            description = "Event loops (worker threads); 0 means one per core. Default: ${DEFAULT-VALUE}.")
    private int concurrency;

    @Option(names = "--validate", description = "Check the configuration and exit without starting.")
    private boolean validateOnly;

    @Option(names = "--print-bootstrap", description = "Sidecar: print the bootstrap it would run, as JSON, and exit.")
    private boolean printBootstrap;

    @Mixin
    private SidecarIdentityOptions identityOptions;

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "After `--`: the app to start once the proxy is ready.")
    private List<String> command = new ArrayList<>();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (concurrency < 0) {
            err.println("weft proxy: --concurrency: " + concurrency + " (expected: 0 or more)");
            return 2;
        }
        ProxySnapshot snapshot;
        String source;
        SidecarBootstrap sidecar = null;
        SidecarIdentityOptions.Resolved identity = null;
        if (mode.config != null) {
            String identityOption = IDENTITY_OPTIONS.stream()
                    .filter(o -> spec.commandLine().getParseResult().hasMatchedOption(o)).findFirst().orElse(null);
            if (service != null || !upstreams.isEmpty() || !labels.isEmpty() || appPort != 0 || printBootstrap
                    || identityOption != null) {
                err.println("weft proxy: --service, --app-port, --upstream, --label, --print-bootstrap and the "
                        + "identity options (" + String.join(", ", IDENTITY_OPTIONS) + ") are sidecar options: they "
                        + "go with --control-plane, not --config");
                return 2;
            }
            source = mode.config.toString();
            try {
                snapshot = BootstrapLoader.load(mode.config);
            } catch (ConfigException e) {
                // syntax and I/O errors already name the file; field-path errors do not
                String message = e.getMessage();
                err.println("weft proxy: " + (message.contains(source) ? message : source + ": " + message));
                return 2;
            }
        } else {
            Bootstrap bootstrap;
            try {
                sidecar = sidecar().validate();
                bootstrap = sidecar.toBootstrap();
            } catch (IllegalArgumentException e) {
                err.println("weft proxy: " + e.getMessage());
                return 2;
            }
            if (printBootstrap) {
                out.println(JsonFormat.printer().print(bootstrap));
                return 0;
            }
            try {
                identity = identityOptions.resolve(namespace, service, System::getenv);
            } catch (IllegalArgumentException e) {
                err.println("weft proxy: " + e.getMessage());
                return 2;
            }
            source = "sidecar bootstrap";
            if (!validateOnly) {
                // the control plane registers the inbound port as soon as the sidecar connects: a port
                // another process holds would be an endpoint that is not this app's
                String busy = busyPort(sidecar);
                if (busy != null) {
                    err.println("weft proxy: " + busy);
                    return 1;
                }
            }
            try {
                snapshot = BootstrapLoader.build(bootstrap);
            } catch (ConfigException e) {
                err.println("weft proxy: " + e.getMessage());
                return 2;
            }
        }
        if (validateOnly) {
            out.println("weft proxy: " + source + ": OK (" + (snapshot.dynamic() ? "dynamic, over xDS" + (identity
                    == null ? " in plaintext, no identity" : " over mTLS as " + identity.spiffeId())
                    : snapshot.listeners().size() + " listeners, " + snapshot.clusters().size() + " clusters") + ")");
            return 0;
        }
        WorkloadIdentity agent = null;
        if (identity != null) {
            out.printf("weft proxy: sidecar %s.%s: getting the certificate of %s from %s%n", service, namespace,
                    identity.spiffeId(), mode.controlPlane);
            out.flush();
            try {
                agent = WorkloadIdentity.builder(identity.spiffeId())
                        .controlPlane(sidecar.controlPlaneHost(), sidecar.controlPlanePort())
                        .trustBundle(identity.trustBundle())
                        .joinToken(identity.joinToken())
                        .join(IDENTITY_TIMEOUT);
            } catch (IdentityRefusedException | TimeoutException e) {
                err.println("weft proxy: " + e.getMessage());
                return 1;
            }
        }
        ProxyServer server;
        try {
            server = ProxyServer.start(snapshot, concurrency, agent);
        } catch (IOException e) {
            err.println("weft proxy: " + e.getMessage());
            return 1;
        }
        AppHolder app = new AppHolder();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.stop();
            server.drainAndStop(DRAIN_MILLIS).join();
        }, "weft-stop"));
        if (snapshot.dynamic()) {
            out.printf("weft proxy: sidecar %s.%s: waiting for its configuration from %s (admin http://127.0.0.1:%d)%n",
                    service, namespace, mode.controlPlane, server.adminPort());
            out.flush();
            awaitConfigured(server, err);
        }
        out.println(describeReady(server));
        out.flush();
        if (command.isEmpty()) {
            server.stopped().join();
            return 0;
        }
        return runApp(server, app, err);
    }

    private SidecarBootstrap sidecar() {
        if (service == null) {
            throw new IllegalArgumentException("--service: required with --control-plane (the local app's service)");
        }
        String target = mode.controlPlane;
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            throw new IllegalArgumentException("--control-plane: '" + target + "' (expected: HOST:PORT)");
        }
        String host = target.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--control-plane: '" + target + "': port '" + target.substring(colon + 1)
                    + "' is not a number");
        }
        List<SidecarBootstrap.Upstream> parsed = new ArrayList<>();
        for (String u : upstreams) {
            try {
                parsed.add(SidecarBootstrap.Upstream.parse(u));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--upstream: " + e.getMessage());
            }
        }
        return new SidecarBootstrap(host, port, namespace, service, address, inboundPort, appPort,
                appProtocol == null ? null : appProtocol.toUpperCase(java.util.Locale.ROOT), outboundPort,
                upstreams.isEmpty() ? null : parsed, labels, instance, nodeId, "127.0.0.1", adminPort);
    }

    /** The first of the sidecar's listener ports that something else holds, described; null when all are free. */
    private static String busyPort(SidecarBootstrap sidecar) {
        List<String[]> ports = new ArrayList<>();
        if (sidecar.appPort() > 0) {
            ports.add(new String[] {"--inbound-port", sidecar.address(), Integer.toString(sidecar.inboundPort())});
        }
        if (sidecar.outboundPort() > 0) {
            ports.add(new String[] {"--outbound-port", "127.0.0.1", Integer.toString(sidecar.outboundPort())});
        }
        for (String[] p : ports) {
            try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new java.net.InetSocketAddress(p[1], Integer.parseInt(p[2])));
            } catch (IOException e) {
                return p[0] + ": " + p[1] + ":" + p[2] + " is in use (" + e.getMessage() + ")";
            }
        }
        return null;
    }

    /** Waits for the first configuration, saying so when it takes long (the control plane may be down). */
    private static void awaitConfigured(ProxyServer server, PrintWriter err) throws Exception {
        CompletableFuture<Void> configured = server.configured();
        try {
            configured.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            err.println("weft proxy: no configuration yet after 10s; still trying the control plane (see admin /xds)");
            err.flush();
            configured.get();
        }
    }

    private String describeReady(ProxyServer server) {
        StringBuilder sb = new StringBuilder("weft proxy ready (" + server.transport() + ", java "
                + System.getProperty("java.version") + "):");
        server.snapshot().listeners().forEach(l -> sb.append(" ").append(l.name()).append("=")
                .append(l.address().getHostString()).append(":").append(server.port(l.name())));
        if (server.adminPort() > 0) {
            sb.append(" admin=127.0.0.1:").append(server.adminPort());
        }
        return sb.toString();
    }

    private int runApp(ProxyServer server, AppHolder app, PrintWriter err) throws Exception {
        try {
            app.process = AppProcess.start(command, AppProcess.environment(mode.controlPlane != null ? outboundPort : 0));
        } catch (IOException e) {
            err.println("weft proxy: " + e.getMessage());
            server.drainAndStop(DRAIN_MILLIS).join();
            return 1;
        }
        CompletableFuture<Integer> exit = app.process.exit();
        CompletableFuture.anyOf(exit, server.stopped()).join();
        if (!exit.isDone()) {
            // the proxy stopped first (a signal, /quitquitquit): the app goes with it
            app.stop();
            return 1;
        }
        server.drainAndStop(DRAIN_MILLIS).join();
        return exit.join();
    }

    /** The app started after `--`, once there is one, for the shutdown hook. */
    private static final class AppHolder {
        volatile AppProcess process;

        void stop() {
            AppProcess p = process;
            if (p != null) {
                p.stop(DRAIN_MILLIS);
            }
        }
    }
}
