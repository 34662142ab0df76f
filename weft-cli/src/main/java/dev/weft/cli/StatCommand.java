package dev.weft.cli;

import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ServiceStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code weft stat}: every service's golden signals over a recent window, as the control plane gathered them. */
@Command(name = "stat", mixinStandardHelpOptions = true,
        description = "Show each service's requests per second, success rate and latency percentiles over a recent "
                + "window (like linkerd viz stat), from the metrics the control plane scrapes off every proxy. A "
                + "service's numbers are what its own sidecars served, or what its callers' sidecars measured when it "
                + "has none.")
final class StatCommand implements Callable<Integer> {

    @Option(names = {"-w", "--window"}, paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How far back to look, up to 15m (default: 1m).")
    private Duration window;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Only this namespace's services.")
    private String namespace;

    @Mixin
    private ServerOption server;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ControlPlaneClient client = server.client();
        List<ServiceStats> services;
        try {
            services = client.serviceStats(window == null ? Duration.ofMinutes(1) : window);
        } catch (IOException e) {
            spec.commandLine().getErr().println("weft stat: " + server.describe(e));
            return 1;
        }
        Table table = new Table("NAMESPACE", "SERVICE", "RPS", "SUCCESS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99",
                "REQUESTS");
        int rows = 0;
        for (ServiceStats s : services) {
            if (namespace != null && !namespace.equals(s.namespace())) {
                continue;
            }
            table.row(s.namespace(), s.name(), String.format(Locale.ROOT, "%.2f", s.rps()), percent(s.successRate()),
                    millis(s.p50()), millis(s.p95()), millis(s.p99()), Long.toString(s.requests()));
            rows++;
        }
        if (rows == 0) {
            out.println("No services" + (namespace == null ? "." : " in namespace " + namespace + "."));
            return 0;
        }
        table.print(out);
        return 0;
    }

    static String percent(Double rate) {
        return rate == null ? "-" : String.format(Locale.ROOT, "%.2f%%", rate * 100);
    }

    static String millis(Double value) {
        return value == null ? "-" : value >= 100 ? String.format(Locale.ROOT, "%.0fms", value)
                : String.format(Locale.ROOT, "%.1fms", value);
    }
}
