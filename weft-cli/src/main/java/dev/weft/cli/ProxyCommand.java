package dev.weft.cli;

import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.config.ProxySnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft proxy --config bootstrap.yaml}: runs the proxy from a static Envoy v3 bootstrap. */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "Run the Weft proxy from a static Envoy v3 bootstrap (YAML or JSON).")
final class ProxyCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "Bootstrap file (envoy.config.bootstrap.v3.Bootstrap as YAML or JSON).")
    private Path config;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "0",
            description = "Event loops (worker threads); 0 means one per core. Default: ${DEFAULT-VALUE}.")
    private int concurrency;

    @Option(names = "--validate", description = "Check the bootstrap and exit without starting.")
    private boolean validateOnly;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (concurrency < 0) {
            err.println("weft proxy: --concurrency: " + concurrency + " (expected: 0 or more)");
            return 2;
        }
        ProxySnapshot snapshot;
        try {
            snapshot = BootstrapLoader.load(config);
        } catch (ConfigException e) {
            // syntax and I/O errors already name the file; field-path errors do not
            String message = e.getMessage();
            err.println("weft proxy: " + (message.contains(config.toString()) ? message : config + ": " + message));
            return 2;
        }
        if (validateOnly) {
            out.println("weft proxy: " + config + ": OK (" + snapshot.listeners().size() + " listeners, "
                    + snapshot.clusters().size() + " clusters)");
            return 0;
        }
        ProxyServer server;
        try {
            server = ProxyServer.start(snapshot, concurrency);
        } catch (IOException e) {
            err.println("weft proxy: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.drainAndStop(snapshot.listeners().stream().mapToLong(l -> l.http().drainTimeoutMillis()).max().orElse(5000)).join();
        }, "weft-stop"));
        StringBuilder sb = new StringBuilder("weft proxy ready (" + server.transport() + ", java " + System.getProperty("java.version") + "):");
        snapshot.listeners().forEach(l -> sb.append(" ").append(l.name()).append("=").append(l.address().getHostString()).append(":").append(server.port(l.name())));
        if (server.adminPort() > 0) {
            sb.append(" admin=").append(snapshot.adminAddress().getHostString()).append(":").append(server.adminPort());
        }
        out.println(sb);
        out.flush();
        server.stopped().join();
        return 0;
    }
}
